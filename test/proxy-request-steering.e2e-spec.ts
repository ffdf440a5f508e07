/**
 * Upstream-steering fields: a JSON body that names an endpoint, a credential or a logging sink for the
 * upstream (LiteLLM reads them over its own settings: CVE-2024-6587) is refused with 400 in the SDK
 * error shape, and nothing reaches the upstream; so is such a name in the query string (LiteLLM reads
 * `api-version` there). Ordinary bodies, including ones that merely mention such names in text or
 * schemas, pass unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { BUILT_IN_BLOCKED_FIELDS } from '../src/proxy/steering-fields.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const EMAIL = 'steer@example.com';
const OPERATOR_FIELD = 'corp_router_url';

/** The fields issue #7 names, and others LiteLLM reads as client-side endpoints or credentials. */
const STEERING_FIELDS = [
  'api_base',
  'base_url',
  'api_key',
  'api_version',
  'user_config',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_region_name',
  'aws_role_name',
  'aws_profile_name',
  'aws_web_identity_token',
  'aws_sts_endpoint',
  'aws_bedrock_runtime_endpoint',
  'vertex_credentials',
  'vertex_project',
  'vertex_location',
  'vertex_ai_project',
  'vertex_ai_location',
  'azure_ad_token',
  'azure_api_key',
  'custom_llm_provider',
  'langfuse_host',
  'langfuse_secret_key',
  's3_endpoint_url',
];
const PLACES = ['top level', 'metadata', 'litellm_metadata', 'user_config'] as const;

function bodyWith(field: string, place: (typeof PLACES)[number]): Record<string, unknown> {
  const steering = { [field]: 'https://attacker.example/v1' };
  const base = { model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] };
  return place === 'top level' ? { ...base, ...steering } : { ...base, [place]: steering };
}

describe('upstream-steering fields in JSON bodies', () => {
  let stack: GatewayStack;
  let token: string;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { UPSTREAM_BLOCKED_FIELDS: ` ${OPERATOR_FIELD} , other_field` } });
    token = (await stack.mint(EMAIL)).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${stack.gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }

  const cases = STEERING_FIELDS.flatMap((field) => PLACES.map((place) => [field, place] as const));

  it.each(cases)('refuses %s (%s) with 400 in the SDK shape, forwarding nothing', async (field, place) => {
    const before = stack.upstream.requests.length;
    const { status, json } = await post('/v1/chat/completions', bodyWith(field, place));
    expect(status).toBe(400);
    // user_config is itself refused, whatever it holds.
    const named = place === 'top level' ? field : place === 'user_config' ? 'user_config' : `${place}.${field}`;
    expect(json).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code: 'blocked_field',
        message: `The field ${named} is not accepted: the gateway alone chooses the upstream and its credentials`,
      },
    });
    expect(stack.upstream.requests.length).toBe(before);
  });

  it('refuses every field of the built-in list, in any letter case', async () => {
    const before = stack.upstream.requests.length;
    for (const field of BUILT_IN_BLOCKED_FIELDS) {
      expect((await post('/v1/chat/completions', bodyWith(field, 'top level'))).status).toBe(400);
      expect((await post('/v1/embeddings', { model: 'e', input: 'x', [field.toUpperCase()]: 'x' })).status).toBe(400);
    }
    expect(stack.upstream.requests.length).toBe(before);
  });

  it('refuses the fields UPSTREAM_BLOCKED_FIELDS adds', async () => {
    const before = stack.upstream.requests.length;
    expect((await post('/v1/chat/completions', bodyWith(OPERATOR_FIELD, 'top level'))).status).toBe(400);
    expect((await post('/v1/chat/completions', bodyWith('other_field', 'metadata'))).status).toBe(400);
    expect(stack.upstream.requests.length).toBe(before);
  });

  // LiteLLM copies the `api-version` query parameter into the call's api_version (Azure clients send it there).
  it.each([
    ['POST', '/v1/chat/completions?api-version=2099-01-01', 'api-version'],
    ['POST', '/v1/chat/completions?limit=1&API-Version=2099-01-01', 'API-Version'],
    ['POST', '/v1/embeddings?api%5Fbase=https%3A%2F%2Fattacker.example', 'api_base'],
    ['GET', '/v1/models?after=a&base_url=https://attacker.example', 'base_url'],
    ['GET', `/v1/models?${OPERATOR_FIELD}=x`, OPERATOR_FIELD],
  ])('refuses %s %s (a steering field in the query) with 400 in the SDK shape, forwarding nothing', async (method, target, named) => {
    const before = stack.upstream.requests.length;
    const res = await fetch(`${stack.gw.url}${target}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }], input: 'x' }) : undefined,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code: 'blocked_field',
        message: `The query parameter ${named} is not accepted: the gateway alone chooses the upstream and its credentials`,
      },
    });
    expect(stack.upstream.requests.length).toBe(before);
  });

  it('forwards a query that only has ordinary parameters', async () => {
    const res = await fetch(`${stack.gw.url}/v1/models?limit=2&after=api_base&order=desc`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(stack.upstream.requests.at(-1)?.url).toBe('/v1/models?limit=2&after=api_base&order=desc');
  });

  it('is read by the OpenAI SDK as a BadRequestError', async () => {
    const client = new OpenAI({ apiKey: token, baseURL: `${stack.gw.url}/v1`, maxRetries: 0 });
    const err = await client.chat.completions
      .create({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }], ...({ api_base: 'https://attacker.example' } as object) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ code: 'blocked_field' });
  });

  it('is read by the Anthropic SDK as a BadRequestError on /v1/messages', async () => {
    const client = new Anthropic({ apiKey: token, baseURL: stack.gw.url, maxRetries: 0 });
    const err = await client.messages
      .create({
        model: 'echo-1',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
        metadata: { user_id: 'x', ...({ aws_secret_access_key: 'k' } as object) },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).status).toBe(400);
  });

  it('forwards bodies that only mention such names in text, tool schemas or deeper objects', async () => {
    const body = {
      model: 'echo-1',
      messages: [{ role: 'user', content: 'what is an api_base? set api_key=...' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'f',
            parameters: { type: 'object', properties: { api_key: { type: 'string' }, base_url: { type: 'string' } } },
          },
        },
      ],
      metadata: { tags: ['a'], nested: { api_base: 'only two levels down, which LiteLLM does not read' } },
      organization: 'org-1',
    };
    const { status } = await post('/v1/chat/completions', body);
    expect(status).toBe(200);
    expect(stack.upstream.requests.at(-1)?.json).toEqual({ ...body, user: EMAIL });
  });
});
