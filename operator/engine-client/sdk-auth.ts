// The Camunda 8 REST API's auth headers from the same SDK configuration as the Zeebe client
// (CAMUNDA_AUTH_STRATEGY NONE, OAUTH, BASIC, BEARER, COOKIE; ZEEBE_CLIENT_ID/SECRET,
// CAMUNDA_OAUTH_URL …): the SDK's own provider, with its token cache and refresh. Deep import:
// the SDK's package root does not export constructOAuthProvider.
import { CamundaEnvironmentConfigurator, constructOAuthProvider } from '@camunda8/sdk/dist/lib/index.js';

/** OVERRIDES take precedence over the environment (as with the SDK's own constructors). */
export function sdkAuthHeaders(overrides: Record<string, string> = {}): () => Promise<Record<string, string>> {
  const provider = constructOAuthProvider(CamundaEnvironmentConfigurator.mergeConfigWithEnvironment(overrides));
  return async () => {
    // The Orchestration Cluster REST API takes the Zeebe audience's token (as the SDK's REST client does).
    const headers = (await provider.getHeaders('ZEEBE')) as Record<string, string | undefined>;
    return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => Boolean(e[1])));
  };
}
