// What a REST user sees when a request is refused: Camunda-style problem details (RFC 9457),
// hostile input refused at the door, and the same authentication as gRPC.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../lib/testing/temp-dir.js';
import { MAX_VARIABLES_NESTING } from '../commands/variables-document.js';
import { UNAUTHENTICATED_MESSAGE, createAuthenticator } from '../server/auth/index.js';
import { fixture, startHarness, type Harness } from '../testing/engine-harness.js';
import { problemOf, restClient, type CamundaRestClient } from './testing/rest-client.js';

/** A variables document nested `depth` levels deep, counting the document itself. */
function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}

describe('REST API errors as problem details', () => {
  let h: Harness;
  let c8: CamundaRestClient;
  beforeAll(async () => {
    h = await startHarness({ restPort: 0, maxMessageBytes: 64 * 1024 });
    c8 = restClient(h.running.restPort ?? 0);
    await c8.deployResources([{ name: 'two-steps.bpmn', content: fixture('two-steps.bpmn').toString() }]);
  });
  afterAll(async () => h.stop());

  it('refuses a BPMN the engine cannot run with 400 and the reason', async () => {
    const bpmn = fixture('two-steps.bpmn').toString().replace('type="durable.work"', 'type=""');
    expect(await problemOf(c8.deployResources([{ name: 'broken.bpmn', content: bpmn }]))).toMatchObject({
      status: 400,
      title: 'INVALID_ARGUMENT',
      detail: expect.stringContaining("'broken.bpmn'") as string,
      instance: '/v2/deployments',
    });
  });

  it('refuses a deployment without resources with 400', async () => {
    expect(await problemOf(c8.deployResources([]))).toMatchObject({
      status: 400,
      detail: "Expected at least one 'resources' part, but there was none",
    });
  });

  it('refuses a body over --max-message-size with 413', async () => {
    const huge = fixture('two-steps.bpmn')
      .toString()
      .replace('<bpmn:process', `<!--${'x'.repeat(100_000)}--><bpmn:process`);
    expect(await problemOf(c8.deployResources([{ name: 'huge.bpmn', content: huge }]))).toMatchObject({
      status: 413,
      detail: 'The request body exceeds the maximum of 65536 bytes',
    });
    // The engine goes on serving.
    expect((await c8.getTopology()).brokers).toHaveLength(1);
  });

  it(`accepts variables nested ${MAX_VARIABLES_NESTING} deep and refuses deeper ones with 400`, async () => {
    const ok = await c8.createProcessInstance({
      processDefinitionId: 'two-steps',
      variables: { deep: nested(MAX_VARIABLES_NESTING - 1) },
    });
    expect(ok.processInstanceKey).toMatch(/^\d+$/);
    const refused = await problemOf(
      c8.createProcessInstance({
        processDefinitionId: 'two-steps',
        variables: { deep: nested(MAX_VARIABLES_NESTING) },
      }),
    );
    expect(refused).toMatchObject({ status: 400, title: 'INVALID_ARGUMENT' });
    expect(refused.detail).toContain(`nested at most ${MAX_VARIABLES_NESTING} levels deep`);
    const job = await problemOf(
      c8.completeJob({ jobKey: '2251799813685999', variables: { deep: nested(MAX_VARIABLES_NESTING + 5) } as never }),
    );
    expect(job).toMatchObject({ status: 400, title: 'INVALID_ARGUMENT' });
  });

  it("answers Zeebe's rejection for a missing process with 404", async () => {
    expect(await problemOf(c8.createProcessInstance({ processDefinitionId: 'nope', variables: {} }))).toEqual({
      status: 404,
      title: 'NOT_FOUND',
      detail:
        "Command 'CREATE' rejected with code 'NOT_FOUND': Expected to find process definition with process ID 'nope' and the latest version, but none found",
      instance: '/v2/process-instances',
    });
  });

  it('refuses a key that is not a number with 400 naming it, and an unknown one with 404', async () => {
    expect(await problemOf(c8.completeJob({ jobKey: 'abc', variables: {} }))).toMatchObject({
      status: 400,
      detail: expect.stringContaining("jobKey 'abc' is not a valid key") as string,
    });
    expect(await problemOf(c8.completeJob({ jobKey: '2251799813685999', variables: {} }))).toMatchObject({
      status: 404,
      title: 'NOT_FOUND',
      detail: expect.stringContaining("Expected to complete job with key '2251799813685999'") as string,
    });
    const get = c8.callApiEndpoint({ method: 'GET', urlPath: 'process-instances/2251799813685999' });
    expect(await problemOf(get)).toMatchObject({ status: 404, instance: '/v2/process-instances/2251799813685999' });
  });

  it('names a filter field it cannot answer instead of ignoring it, and refuses other tenants', async () => {
    const search = c8.searchProcessInstances({ filter: { parentFlowNodeInstanceKey: '1' } });
    expect(await problemOf(search)).toMatchObject({
      status: 400,
      detail: expect.stringContaining("'filter.parentFlowNodeInstanceKey' is not supported") as string,
    });
    const tenant = c8.createProcessInstance({ processDefinitionId: 'two-steps', variables: {}, tenantId: 'acme' });
    expect((await problemOf(tenant)).detail).toContain("tenant identifier 'acme', but multi-tenancy is disabled");
  });

  it('answers an endpoint it does not serve with 404', async () => {
    const users = c8.searchUsers({} as never);
    expect(await problemOf(users)).toMatchObject({ status: 404, title: 'Not Found', instance: '/v2/users/search' });
  });
});

describe('REST API authentication', () => {
  let h: Harness;
  beforeAll(async () => {
    const file = join(tempDir('procos-rest-auth-'), 'tokens');
    writeFileSync(file, 'rest-token-42\n');
    h = await startHarness({
      restPort: 0,
      auth: createAuthenticator({ mode: 'token', tokenFile: file }, pino({ level: 'silent' })),
    });
  });
  afterAll(async () => h.stop());

  it('answers 401 without a token and serves the SDK BEARER strategy', async () => {
    const port = h.running.restPort ?? 0;
    expect(await problemOf(restClient(port).getTopology())).toEqual({
      status: 401,
      title: 'Unauthorized',
      detail: UNAUTHENTICATED_MESSAGE,
      instance: '/v2/topology',
    });
    const wrong = restClient(port, { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: 'rest-token-4' });
    expect((await problemOf(wrong.getTopology())).status).toBe(401);
    const bearer = restClient(port, { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: 'rest-token-42' });
    expect((await bearer.getTopology()).brokers).toHaveLength(1);
  });
});
