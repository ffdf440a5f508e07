import { describe, expect, it } from '@jest/globals';
import { stampBodyIdentity, stampedFormField } from './identity.js';

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
