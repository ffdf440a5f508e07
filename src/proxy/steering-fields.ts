/**
 * Request-body fields that would let a client choose where the upstream sends the call, or with which
 * credentials: LiteLLM merges body fields over the deployment's own settings, so `api_base` in a body
 * sends the gateway's upstream key to the client's host (CVE-2024-6587). The one list of them, plus
 * UPSTREAM_BLOCKED_FIELDS; bodies (and query strings) that carry any of them are refused, never cleaned
 * and forwarded.
 */
import { decodedParamName, isCredentialParam } from './query-credentials.js';

/** Fields an OpenAI-compatible backend (LiteLLM first) reads as an endpoint, a credential or a logging sink. */
export const BUILT_IN_BLOCKED_FIELDS: readonly string[] = [
  // Endpoint and provider: where the call goes.
  'api_base',
  'base_url',
  'api_version',
  'api_type',
  'custom_llm_provider',
  'deployment_url',
  'sagemaker_base_url',
  'region_name',
  // Credentials sent with the call.
  'api_key',
  'azure_api_key',
  'azure_ad_token',
  'azure_ad_token_provider',
  'azure_username',
  'azure_password',
  'azure_scope',
  'tenant_id',
  'client_id',
  'client_secret',
  'litellm_credential_name',
  // AWS (Bedrock, SageMaker, S3 for files and batches).
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_session_name',
  'aws_profile_name',
  'aws_role_name',
  'aws_web_identity_token',
  'aws_sts_endpoint',
  'aws_external_id',
  'aws_region_name',
  'aws_bedrock_runtime_endpoint',
  'aws_bedrock_project_id',
  'aws_batch_role_arn',
  's3_endpoint_url',
  's3_bucket_name',
  's3_region_name',
  's3_encryption_key_id',
  's3_output_bucket_name',
  // Google Vertex AI and Cloud Storage.
  'vertex_credentials',
  'vertex_project',
  'vertex_location',
  'vertex_ai_project',
  'vertex_ai_location',
  'vertex_ai_credentials',
  'gcs_bucket_name',
  'gcs_path_service_account',
  // IBM watsonx.
  'watsonx_region_name',
  // A whole client-side router: model list, keys and endpoints.
  'user_config',
  'litellm_embedding_config',
  // Logging sinks and their keys: a client's host would receive every prompt, or logging would stop.
  'langfuse_public_key',
  'langfuse_secret',
  'langfuse_secret_key',
  'langfuse_host',
  'langsmith_api_key',
  'langsmith_project',
  'langsmith_base_url',
  'langsmith_tenant_id',
  'humanloop_api_key',
  'arize_api_key',
  'arize_space_key',
  'arize_space_id',
  'posthog_api_key',
  'posthog_host',
  'posthog_api_url',
  'braintrust_api_key',
  'braintrust_project',
  'braintrust_host',
  'slack_webhook_url',
  'lunary_public_key',
  'dd_api_key',
  'dd_site',
  'dd_agent_host',
  'dd_agent_port',
  'phoenix_project_name',
  'wandb_api_key',
  'weave_project_id',
  'turn_off_message_logging',
  // Per-request prices: cost tracking, the reason the gateway stamps identity, would be the client's to set.
  'input_cost_per_token',
  'output_cost_per_token',
  'input_cost_per_second',
  'output_cost_per_second',
];

/** Objects in a body whose own fields LiteLLM also reads as settings (it parses them from JSON text too). */
export const NESTED_SETTING_FIELDS: readonly string[] = ['metadata', 'litellm_metadata', 'user_config', 'litellm_embedding_config'];

/** The blocked names, matched without regard to case. */
export class SteeringFields {
  private readonly names: ReadonlySet<string>;
  /** The same names as query parameters are compared: lower case, "-" and "_" alike. */
  private readonly queryNames: ReadonlySet<string>;

  constructor(extra: readonly string[] = []) {
    this.names = new Set([...BUILT_IN_BLOCKED_FIELDS, ...extra].map((name) => name.toLowerCase()));
    this.queryNames = new Set([...this.names].map((name) => name.replace(/-/g, '_')));
  }

  /**
   * The first query parameter of a request target named like a blocked field, as decoded, or null.
   * LiteLLM copies the `api-version` parameter into the call's `api_version` (Azure clients send it
   * there), so names are compared percent-decoded, in any case, with "-" read as "_". Credential
   * parameters (`api_key`, `key`, ...) are not refused: they are dropped from the forwarded query
   * (query-credentials.ts), as a client's own key is anywhere else.
   */
  findInQuery(target: string): string | null {
    const queryAt = target.indexOf('?');
    if (queryAt === -1) return null;
    for (const param of target.slice(queryAt + 1).split('&')) {
      const eq = param.indexOf('=');
      const raw = eq === -1 ? param : param.slice(0, eq);
      const name = decodedParamName(raw);
      if (this.queryNames.has(name.toLowerCase().replace(/-/g, '_')) && !isCredentialParam(raw)) return name;
    }
    return null;
  }

  isBlocked(name: string): boolean {
    return this.names.has(name) || this.names.has(name.toLowerCase());
  }

  /**
   * The first blocked field of a parsed body, at the top level or one level down in the objects
   * LiteLLM reads settings from (`metadata.api_base`), or null. Reads only own keys.
   */
  findIn(body: Record<string, unknown>): string | null {
    for (const key of Object.keys(body)) {
      if (this.isBlocked(key)) return key;
    }
    for (const container of NESTED_SETTING_FIELDS) {
      const found = this.findInNested(body[container]);
      if (found !== null) return `${container}.${found}`;
    }
    return null;
  }

  /** The first blocked field of an object that sits in one of NESTED_SETTING_FIELDS, or null. */
  findInNested(value: unknown): string | null {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    for (const key of Object.keys(value)) {
      if (this.isBlocked(key)) return key;
    }
    return null;
  }
}
