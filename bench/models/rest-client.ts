// The SDK's REST client (CamundaRestClient) on an engine's REST port, as Camunda 8 clients use it.
// Kept here rather than imported from engine/rest/testing: older engine checkouts the bench also
// measures have no such file.
import { Camunda8 } from '@camunda8/sdk';
import type { CamundaRestClient } from '@camunda8/sdk/dist/c8/lib/CamundaRestClient.js';

export function restClient(port: number): CamundaRestClient {
  return new Camunda8({
    ZEEBE_REST_ADDRESS: `http://127.0.0.1:${port}`,
    CAMUNDA_LOG_LEVEL: 'none',
    CAMUNDA_AUTH_STRATEGY: 'NONE',
    CAMUNDA_OAUTH_DISABLED: true,
  } as never).getCamundaRestClient();
}
