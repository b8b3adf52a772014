// The backlog sources. procos-engine's is read from the real engine binary, with jobs created and
// activated through the official SDK. Camunda's REST job search cannot run here (no Camunda
// cluster): its test checks only the request it sends and how it reads the documented answer.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/net/free-port.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { startHarness } from '../../engine/testing/engine-harness.js';
import { createAuthenticator } from '../../engine/server/auth/index.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';
import { tempDir } from '../../lib/testing/temp-dir.js';
import { waitUntil } from '../../lib/testing/wait-for.js';
import { BacklogUnavailable, CamundaJobSearchBacklog, ProcosEngineBacklog } from './backlog-source.js';
import { sdkAuthHeaders } from './sdk-auth.js';

const twoTasks = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="https://procos.io/test">
  <bpmn:process id="two-tasks" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="backlog.a" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="backlog.b" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork" />
    <bpmn:sequenceFlow id="f1" sourceRef="fork" targetRef="a" />
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="b" />
  </bpmn:process>
</bpmn:definitions>`;

describe('ProcosEngineBacklog (the procos-engine binary)', () => {
  it('counts the activatable jobs per asked type; activated jobs no longer wait', async () => {
    const engine = await spawnEngine({
      port: await freePort(),
      monitoringPort: await freePort(),
      dataDir: tempDir('procos-backlog-'),
    });
    const zeebe = sdkClient(engine.grpc);
    try {
      await zeebe.deployResource({ name: 'two-tasks.bpmn', process: Buffer.from(twoTasks) });
      for (let i = 0; i < 7; i++) await zeebe.createProcessInstance({ bpmnProcessId: 'two-tasks', variables: {} });
      const source = new ProcosEngineBacklog(engine.monitoring);
      const types = ['backlog.a', 'backlog.b', 'nobody.serves.this'];
      // The jobs appear as the engine moves the tokens on: wait for all of them, then compare exactly.
      const full = await waitUntil(
        '14 jobs waiting',
        () => source.read(types),
        (r) => r.total >= 14,
      );
      expect(full).toEqual({
        byType: { 'backlog.a': 7, 'backlog.b': 7, 'nobody.serves.this': 0 },
        total: 14,
      });
      const taken = await zeebe.activateJobs({
        type: 'backlog.a',
        worker: 'test',
        maxJobsToActivate: 3,
        timeout: 60_000,
        requestTimeout: 1000,
      });
      expect(taken).toHaveLength(3);
      expect((await source.read(['backlog.a'])).byType).toEqual({ 'backlog.a': 4 });
    } finally {
      await zeebe.close();
      await engine.kill('SIGTERM');
    }
  });

  it('an engine that does not answer is BacklogUnavailable, naming where it asked', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const read = new ProcosEngineBacklog(nowhere).read(['x']);
    await expect(read).rejects.toBeInstanceOf(BacklogUnavailable);
    await expect(read).rejects.toThrow(`procos-engine ${nowhere}: ${nowhere}/v1/jobs/backlog did not answer`);
  });
});

describe('ProcosEngineBacklog of an engine with --auth token (the chart’s bundled engine)', () => {
  it('is refused without the token, and reads the backlog with the SDK’s BEARER headers', async () => {
    const dir = tempDir('procos-backlog-auth-');
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'the-engine-token\n');
    const engine = await startHarness({
      auth: createAuthenticator({ mode: 'token', tokenFile }, pino({ level: 'silent' })),
    });
    try {
      const url = `http://127.0.0.1:${engine.running.monitoringPort}`;
      const anonymous = new ProcosEngineBacklog(url).read(['x']);
      await expect(anonymous).rejects.toBeInstanceOf(BacklogUnavailable);
      await expect(anonymous).rejects.toThrow(`${url}/v1/jobs/backlog answered 401`);
      const headers = sdkAuthHeaders({ CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: 'the-engine-token' });
      expect(await new ProcosEngineBacklog(url, headers).read(['x'])).toEqual({ byType: { x: 0 }, total: 0 });
    } finally {
      await engine.stop();
    }
  });
});

describe('CamundaJobSearchBacklog (request and answer shape only)', () => {
  let server: Server;
  let url: string;
  const requests: { path: string; auth?: string; body: unknown }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const parsed = JSON.parse(body) as { filter: { type: string } };
        requests.push({ path: req.url ?? '', auth: req.headers.authorization, body: parsed });
        if (parsed.filter.type === 'broken') return res.writeHead(500).end('boom');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: [], page: { totalItems: parsed.filter.type.length } }));
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => server.close());

  it('searches CREATED jobs of each type with a one-item page and reads page.totalItems', async () => {
    const source = new CamundaJobSearchBacklog(url, () => Promise.resolve({ authorization: 'Bearer t0k' }));
    expect(await source.read(['abc', 'de'])).toEqual({ byType: { abc: 3, de: 2 }, total: 5 });
    expect(requests).toEqual([
      {
        path: '/v2/jobs/search',
        auth: 'Bearer t0k',
        body: { filter: { type: 'abc', state: 'CREATED' }, page: { limit: 1 } },
      },
      {
        path: '/v2/jobs/search',
        auth: 'Bearer t0k',
        body: { filter: { type: 'de', state: 'CREATED' }, page: { limit: 1 } },
      },
    ]);
    await expect(source.read(['broken'])).rejects.toThrow(
      `Camunda REST ${url}: ${url}/v2/jobs/search answered 500: boom`,
    );
  });

  it('authenticates with the SDK’s own provider for the configured strategy (BASIC here)', async () => {
    requests.length = 0;
    const headers = sdkAuthHeaders({
      CAMUNDA_AUTH_STRATEGY: 'BASIC',
      CAMUNDA_BASIC_AUTH_USERNAME: 'demo',
      CAMUNDA_BASIC_AUTH_PASSWORD: 'secret',
    });
    await new CamundaJobSearchBacklog(url, headers).read(['x']);
    expect(requests[0]?.auth).toBe(`Basic ${Buffer.from('demo:secret').toString('base64')}`);
  });
});
