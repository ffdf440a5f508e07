import { describe, expect, it } from '@jest/globals';
import { droppedHeaderNames, stampBodyIdentity, stampedFormField } from './identity.js';

describe('droppedHeaderNames', () => {
  it('drops credentials and identity headers in any spelling', () => {
    const names = droppedHeaderNames({
      authorization: 'Bearer x',
      'x-api-key': 'k',
      x_user_email: 'evil@example.com',
      'X-Forwarded-User': 'evil',
      'x-forwarded-email': 'evil@example.com',
      'x-litellm-customer-id': 'evil',
      x_litellm_end_user_id: 'evil',
      'x-gateway-user-email': 'evil',
      cookie: 'a=b',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'tools-2024',
      'content-type': 'application/json',
      'openai-organization': 'org',
      'x-goog-api-key': 'k',
      'ocp-apim-subscription-key': 'k',
      user: 'evil',
      'litellm-user': 'evil',
    });
    expect(names.sort()).toEqual(
      [
        'authorization',
        'x-api-key',
        'x_user_email',
        'X-Forwarded-User',
        'x-forwarded-email',
        'x-litellm-customer-id',
        'x_litellm_end_user_id',
        'x-gateway-user-email',
        'cookie',
        'x-goog-api-key',
        'ocp-apim-subscription-key',
        'user',
        'litellm-user',
      ].sort(),
    );
  });
});

describe('droppedHeaderNames and re-routing headers', () => {
  it('drops every header that names another target, method, host or client address', () => {
    const rerouting = [
      'X-Original-URL',
      'x-original-uri',
      'X-Original-Host',
      'x-original-method',
      'X-Rewrite-URL',
      'X-HTTP-Method-Override',
      'X-HTTP-Method',
      'X-Method-Override',
      'x_http_method_override',
      'X-Forwarded-Host',
      'X-Forwarded-Proto',
      'X-Forwarded-Prefix',
      'Forwarded',
      'X-Host',
      'X-Envoy-Original-Path',
      'True-Client-IP',
      'X-Client-IP',
    ];
    const headers = Object.fromEntries([...rerouting, 'accept', 'user-agent', 'anthropic-version'].map((name) => [name, 'x']));
    expect(droppedHeaderNames(headers).sort()).toEqual(rerouting.sort());
  });
});

describe('stampedFormField', () => {
  const email = 'alice@example.com';

  it('replaces user and safety_identifier with the verified email', () => {
    expect(stampedFormField('user', null, email)).toBe(email);
    expect(stampedFormField('safety_identifier', null, email)).toBe(email);
  });

  it('stamps metadata JSON like a JSON body, and replaces metadata that is not a JSON object', () => {
    expect(JSON.parse(stampedFormField('metadata', { user_id: 'mallory', tag: 't' }, email))).toEqual({ user_id: email, tag: 't' });
    expect(JSON.parse(stampedFormField('metadata', null, email))).toEqual({ user_id: email });
    expect(JSON.parse(stampedFormField('litellm_metadata', { tags: ['a'] }, email))).toEqual({ tags: ['a'], user: email });
  });
});

describe('stampBodyIdentity', () => {
  const email = 'alice@example.com';

  it('overwrites every identity field LiteLLM reads on an OpenAI body', () => {
    const body: Record<string, unknown> = {
      model: 'm',
      user: 'mallory',
      safety_identifier: 'mallory',
      metadata: { user_id: 'mallory', trace_user_id: 'mallory', other: 1 },
      litellm_metadata: { user: 'mallory' },
    };
    stampBodyIdentity(body, email, '/v1/chat/completions');
    expect(body).toEqual({
      model: 'm',
      user: email,
      safety_identifier: email,
      metadata: { user_id: email, trace_user_id: email, other: 1 },
      litellm_metadata: { user: email },
    });
  });

  it('sets user on an OpenAI body that had none', () => {
    const body: Record<string, unknown> = { model: 'm' };
    stampBodyIdentity(body, email, '/v1/chat/completions');
    expect(body).toEqual({ model: 'm', user: email });
  });

  it('sets metadata.user_id on an Anthropic body and adds no user field', () => {
    const body: Record<string, unknown> = { model: 'm' };
    stampBodyIdentity(body, email, '/v1/messages');
    expect(body).toEqual({ model: 'm', metadata: { user_id: email } });
  });

  it('replaces a non-object metadata', () => {
    const body: Record<string, unknown> = { metadata: 'mallory' };
    stampBodyIdentity(body, email, '/v1/chat/completions');
    expect(body.metadata).toEqual({ user_id: email });
  });
});
