import { describe, expect, it } from '@jest/globals';
import type { IncomingHttpHeaders } from 'node:http';
import { UpstreamHeaders, wantsClose } from './upstream-headers.js';

const call = { email: 'alice@example.com', tokenId: 'tok-1', requestId: 'req-1' };
const sut = (apiKey = '', authHeader = 'authorization'): UpstreamHeaders =>
  new UpstreamHeaders({ host: 'litellm:4000', apiKey, authHeader });

/** The client's header names that did not reach the upstream request with the client's value. */
function dropped(given: IncomingHttpHeaders, headers = sut().build(given, call)): string[] {
  return Object.keys(given).filter((name) => headers[name] !== given[name]);
}

describe('UpstreamHeaders', () => {
  it('drops credentials and identity headers in any spelling, and keeps API headers', () => {
    const identity = [
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
    ];
    const kept = ['anthropic-version', 'anthropic-beta', 'content-type', 'openai-organization'];
    const given = Object.fromEntries([...identity, ...kept].map((name) => [name, 'evil@example.com']));
    expect(dropped(given).sort()).toEqual(identity.sort());
  });

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
    const given = Object.fromEntries([...rerouting, 'accept', 'user-agent', 'anthropic-version'].map((name) => [name, 'x']));
    expect(dropped(given).sort()).toEqual(rerouting.sort());
  });

  it('gives the same verdicts the second time (remembered names)', () => {
    const given = { 'x-api-key': 'k', accept: 'a', 'x-original-url': '/admin' };
    const builder = sut();
    expect(dropped(given, builder.build(given, call))).toEqual(['x-api-key', 'x-original-url']);
    expect(dropped(given, builder.build(given, call))).toEqual(['x-api-key', 'x-original-url']);
  });

  it('drops hop-by-hop headers and whatever Connection names, but never the framing', () => {
    const given = {
      connection: 'x-custom, content-length, Keep-Alive',
      'keep-alive': 'timeout=5',
      'x-custom': 'v',
      te: 'trailers',
      upgrade: 'h2c',
      expect: '100-continue',
      'content-length': '2',
      accept: 'a',
    };
    const headers = sut().build(given, call);
    expect(headers).toMatchObject({ connection: 'keep-alive', 'content-length': '2', accept: 'a' });
    for (const name of ['keep-alive', 'x-custom', 'te', 'upgrade', 'expect']) expect(headers[name]).toBeUndefined();
  });

  it('sets the identity, the target host and the gateway key, whatever the client sent', () => {
    const given = { host: 'evil.example', 'x-request-id': 'mine', authorization: 'Bearer client' };
    expect(sut('sk-up').build(given, call)).toMatchObject({
      host: 'litellm:4000',
      authorization: 'Bearer sk-up',
      'x-request-id': 'req-1',
      'x-gateway-user-email': 'alice@example.com',
      'x-litellm-customer-id': 'alice@example.com',
      'x-litellm-end-user-id': 'alice@example.com',
      'x-gateway-token-id': 'tok-1',
    });
    const viaApiKey = sut('sk-up', 'x-api-key').build(given, call);
    expect(viaApiKey['x-api-key']).toBe('sk-up');
    expect(viaApiKey.authorization).toBeUndefined();
  });

  it('frames a re-stamped body by its length and a form as chunked', () => {
    const given = { 'transfer-encoding': 'chunked', 'content-length': '99', 'content-type': 'multipart/form-data; boundary=a' };
    const json = sut().build(given, { ...call, bodyLength: 12 });
    expect(json['content-length']).toBe('12');
    expect(json['transfer-encoding']).toBeUndefined();
    const form = sut().build(given, { ...call, formContentType: 'multipart/form-data; boundary=gw' });
    expect(form['content-length']).toBeUndefined();
    expect(form['transfer-encoding']).toBeUndefined();
    expect(form['content-type']).toBe('multipart/form-data; boundary=gw');
  });

  it('leaves the client headers it was given unchanged', () => {
    const given = { authorization: 'Bearer client', accept: 'a' };
    sut('sk').build(given, call);
    expect(given).toEqual({ authorization: 'Bearer client', accept: 'a' });
  });
});

describe('wantsClose', () => {
  it('reads close among the Connection options, in any case', () => {
    expect(wantsClose('close')).toBe(true);
    expect(wantsClose('x-a, Close')).toBe(true);
    expect(wantsClose('keep-alive')).toBe(false);
    expect(wantsClose('closed')).toBe(false);
    expect(wantsClose(undefined)).toBe(false);
  });
});
