// The SDK's REST client (CamundaRestClient) pointed at a procos-engine's REST port, and what a
// user sees of a refused request: the problem detail the SDK's HTTPError carries.
import { Camunda8 } from '@camunda8/sdk';
import type { CamundaRestClient } from '@camunda8/sdk/dist/c8/lib/CamundaRestClient.js';

export type { CamundaRestClient };

export function restClient(port: number, settings: Record<string, unknown> = {}): CamundaRestClient {
  return new Camunda8({
    ZEEBE_REST_ADDRESS: `http://127.0.0.1:${port}`,
    CAMUNDA_LOG_LEVEL: 'none',
    // CAMUNDA_OAUTH_DISABLED would force NONE over any strategy given in `settings`.
    ...('CAMUNDA_AUTH_STRATEGY' in settings ? {} : { CAMUNDA_AUTH_STRATEGY: 'NONE', CAMUNDA_OAUTH_DISABLED: true }),
    ...settings,
  } as never).getCamundaRestClient();
}

export interface SeenProblem {
  status?: number;
  title?: string;
  detail?: string;
  instance?: string;
}

/** The problem detail of a rejected SDK call; a resolved call fails the test. */
export async function problemOf(p: Promise<unknown>): Promise<SeenProblem> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e as { statusCode?: number; title?: string; detail?: string; instance?: string; message?: string },
  );
  if (!outcome) throw new Error('expected the REST call to be refused, but it succeeded');
  if (outcome.statusCode === undefined) throw new Error(`expected a problem detail, got: ${outcome.message ?? '?'}`);
  return { status: outcome.statusCode, title: outcome.title, detail: outcome.detail, instance: outcome.instance };
}
