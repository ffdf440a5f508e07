/**
 * The OpenAPI document of the whole gateway, served at /docs (Swagger UI) and /docs-json: every Nest
 * route with its DTOs, the /v1 LLM routes the proxy forwards, both auth schemes (Bearer token and the
 * session cookie) and the REST error shape on every error answer. "Authorize" with an admin-scoped
 * token makes every admin call work from the page (Bearer calls need no CSRF token); from a signed-in
 * browser, unsafe calls carry the session's CSRF token (swagger-ui-csrf.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME, COOKIE_SCHEME } from '../common/auth-metadata.decorators.js';
import { contentSecurityPolicy } from '../common/security-headers.js';
import type { AppConfig } from '../config/app-config.js';
import { serveCsrfScript, swaggerRequestInterceptor } from './swagger-ui-csrf.js';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';
/** The Anthropic SDK 0.x header, accepted on /v1 like a Bearer token. */
export const API_KEY_SCHEME = 'x-api-key';

type Operation = Record<string, unknown> & { security?: unknown[]; responses?: Record<string, Record<string, unknown>> };
type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
type ResponseObject = OperationObject['responses'][string] & { description: string };

/**
 * Swagger UI under the strict policy: its page runs no inline script (the init script is a file,
 * so script-src stays 'self'), but it styles with an inline <style> block and style attributes, and
 * its stylesheet draws icons from data: URLs.
 */
export const DOCS_CONTENT_SECURITY_POLICY = contentSecurityPolicy({ styleSrc: ["'unsafe-inline'"], imgSrc: ['data:'] });

/** Registers /docs and /docs-json (nothing at all when DOCS_ENABLED=false); the document is built on the first request, after the app has started. */
export function setupOpenApi(app: INestApplication, config: AppConfig): void {
  if (!config.docs.enabled) return;
  app.use(`/${DOCS_PATH}`, (_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    res.setHeader('content-security-policy', DOCS_CONTENT_SECURITY_POLICY);
    next();
  });
  let document: OpenAPIObject | undefined;
  // Signed-in browsers: unsafe "Try it out" calls carry the CSRF token; a pasted admin token is not kept in localStorage.
  const csrfScript = serveCsrfScript(app, DOCS_PATH);
  SwaggerModule.setup(DOCS_PATH, app, () => (document ??= buildOpenApiDocument(app, config)), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'LLM gateway API',
    customJs: csrfScript,
    swaggerOptions: { persistAuthorization: false, displayOperationId: true, requestInterceptor: swaggerRequestInterceptor },
  });
}

export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const base = new DocumentBuilder()
    .setTitle('LLM gateway')
    .setDescription(
      [
        'Authenticating, streaming gateway in front of an OpenAI/Anthropic-compatible LLM backend.',
        '',
        '- **/v1/\\***: LLM calls with a gateway token (`Authorization: Bearer` or `x-api-key`), forwarded to the upstream.',
        '- **/api/admin/\\***: the admin API. Use *Authorize* with a token that has the `admin` scope and belongs to an admin',
        "  (`npm run cli -- token create --email you@example.com --scopes llm,admin`), or an admin's browser session",
        "  (unsafe methods then need the session's `X-CSRF-Token`).",
        '- Lists answer `{"items": [...], "next_cursor": ..., ...counts}`; pass `next_cursor` back as `cursor`.',
        '- Errors answer `{"statusCode", "error", "message", "code"}` (the SDK error shape on /v1).',
      ].join('\n'),
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A gateway token' }, BEARER_SCHEME)
    .addCookieAuth(
      config.session.cookieName,
      { type: 'apiKey', in: 'cookie', name: config.session.cookieName, description: 'The browser session after /auth/login' },
      COOKIE_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A gateway token (Anthropic SDK 0.x style), /v1 only' },
      API_KEY_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, base, { operationIdFactory: (_controller, method) => method });
  addErrorShapes(document);
  addLlmRoutes(document, config);
  return document;
}

const ERROR_EXAMPLES: Record<string, { description: string; example: Record<string, unknown> }> = {
  '400': {
    description: 'Invalid input',
    example: { statusCode: 400, error: 'Bad Request', message: ['limit must not be greater than 500'], code: 'invalid_input' },
  },
  '401': {
    description: 'No valid credentials, or the user is banned',
    example: { statusCode: 401, error: 'Unauthorized', message: 'Invalid or missing credentials', code: 'invalid_credentials' },
  },
  '403': {
    description: 'Not allowed (not an admin, no admin scope, or a missing CSRF token)',
    example: { statusCode: 403, error: 'Forbidden', message: 'Admins only', code: 'not_admin' },
  },
  '404': { description: 'Not found', example: { statusCode: 404, error: 'Not Found', message: 'token not found', code: 'not_found' } },
  '409': {
    description: 'Conflict',
    example: {
      statusCode: 409,
      error: 'Conflict',
      message: 'another cleanup is running; try again when it has finished',
      code: 'cleanup_running',
    },
  },
  '503': {
    description: 'Redis is unreachable (AUTH_FAIL_MODE=closed)',
    example: {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Authentication is temporarily unavailable; try again shortly',
      code: 'service_unavailable',
    },
  },
};

/** Every error answer of a REST route gets the error schema and an example; secured routes also list 503. */
function addErrorShapes(document: OpenAPIObject): void {
  const schema = { $ref: '#/components/schemas/ErrorResponseDto' };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Operation[]) {
      if (typeof operation !== 'object' || operation === null || operation.responses === undefined) continue;
      if ((operation.security?.length ?? 0) > 0 && operation.responses['503'] === undefined) operation.responses['503'] = {};
      for (const [status, response] of Object.entries(operation.responses)) {
        const known = ERROR_EXAMPLES[status];
        if (known === undefined) continue;
        response.description ??= known.description;
        if (response.description === '') response.description = known.description;
        const content = (response.content ?? {}) as Record<string, Record<string, unknown>>;
        content['application/json'] = { schema, ...content['application/json'], example: known.example };
        response.content = content;
      }
    }
  }
}

/** The LLM routes are served by the proxy middleware, not a controller: described here. */
function addLlmRoutes(document: OpenAPIObject, config: AppConfig): void {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.SdkErrorDto = {
    type: 'object',
    description: 'The error shape both the OpenAI and Anthropic SDKs parse.',
    properties: {
      type: { type: 'string', example: 'error' },
      error: {
        type: 'object',
        properties: {
          type: { type: 'string', example: 'authentication_error' },
          message: { type: 'string', example: 'User is banned for 6 days 23 hours' },
          code: { type: 'string', example: 'user_banned' },
          banned_until: { type: 'string', format: 'date-time' },
        },
      },
    },
  };
  const sdkError = (description: string): ResponseObject => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/SdkErrorDto' } } },
  });
  for (const path of config.upstream.allowedPaths) {
    const operation: OperationObject = {
      tags: ['llm'],
      summary: `Forwarded to the upstream (${path} and the paths below it)`,
      description:
        'The body and answer are those of the provider API (OpenAI or Anthropic), streamed both ways. The gateway replaces the credentials and sets the verified identity (x-litellm-end-user-id, X-Gateway-User-Email).',
      security: [{ [BEARER_SCHEME]: [] }, { [API_KEY_SCHEME]: [] }],
      responses: {
        '200': { description: "The upstream's answer, unchanged (SSE when streaming)" },
        '401': sdkError('No valid token, or the user is banned'),
        '413': sdkError('Body larger than BODY_LIMIT'),
        '502': sdkError('Upstream unreachable'),
        '503': sdkError('Redis unreachable (AUTH_FAIL_MODE=closed)'),
        '504': sdkError('Upstream silent past UPSTREAM_TIMEOUT_MS'),
      },
    };
    const methods =
      path === '/v1/models'
        ? { get: { ...operation, operationId: 'llmGet_models' } }
        : { post: { ...operation, operationId: `llm${path.slice(3).replace(/\W/g, '_')}` } };
    document.paths[path] = { ...document.paths[path], ...methods };
  }
}
