// The test control plane itself: every component runs and does its job. Without a live
// controller-manager a Deployment never gets a ReplicaSet, namespaces get no `default`
// ServiceAccount and nothing is garbage-collected — and the operator's own tests would not notice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Component, probeHttp } from './cluster/component.js';
import { useCluster, type TestCluster } from './cluster/test-cluster.js';

const NS = 'procos-control-plane-e2e';

describe('the e2e control plane', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await useCluster();
    cluster.kubectl(['create', 'namespace', NS]);
  }, 900_000);
  afterAll(async () => cluster.stop());

  it('has every component alive and serving its health endpoint', async () => {
    await expect(cluster.assertServing()).resolves.toBeUndefined();
    expect(cluster.kubectl(['get', '--raw', '/readyz?verbose'])).toContain('readyz check passed');
  });

  it('gives a Deployment its ReplicaSet and Running pods (controller-manager, scheduler, KWOK)', () => {
    cluster.kubectl(['create', 'deployment', 'web', '-n', NS, '--image=registry.invalid/web:1', '--replicas=2']);
    cluster.kubectl(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=60s']);
    const rs = JSON.parse(cluster.kubectl(['get', 'replicasets', '-n', NS, '-l', 'app=web', '-o', 'json'])) as {
      items: { metadata: { ownerReferences?: { kind: string; name: string }[] }; status: { readyReplicas?: number } }[];
    };
    expect(rs.items).toHaveLength(1);
    expect(rs.items[0]?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web' });
    const pods = JSON.parse(cluster.kubectl(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])) as {
      items: { spec: { nodeName?: string }; status: { phase: string } }[];
    };
    expect(pods.items.map((p) => p.status.phase)).toEqual(['Running', 'Running']);
    expect(pods.items.every((p) => p.spec.nodeName?.startsWith('kwok-node-'))).toBe(true);
  });

  it('creates the default ServiceAccount in a new namespace', () => {
    cluster.kubectl(['create', 'namespace', `${NS}-fresh`]);
    // The serviceaccount controller (controller-manager) creates it; nothing else does.
    cluster.kubectl(['wait', '--for=create', 'serviceaccount/default', '-n', `${NS}-fresh`, '--timeout=60s']);
    expect(cluster.kubectl(['get', 'serviceaccount', 'default', '-n', `${NS}-fresh`, '-o', 'name']).trim()).toBe(
      'serviceaccount/default',
    );
  });

  it('garbage-collects dependents when their owner is deleted, and deletes namespaces', () => {
    const owner = JSON.parse(
      cluster.kubectl(
        ['create', '-o', 'json', '-f', '-'],
        stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: NS } }),
      ),
    ) as { metadata: { uid: string } };
    cluster.kubectl(
      ['create', '-f', '-'],
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'dependent',
          namespace: NS,
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
        },
      }),
    );
    cluster.kubectl(['delete', 'configmap', 'owner', '-n', NS]);
    cluster.kubectl(['wait', '--for=delete', 'configmap/dependent', '-n', NS, '--timeout=60s']);
    // The Deployment's ReplicaSet and pods go with it (background cascading deletion).
    cluster.kubectl(['delete', 'deployment', 'web', '-n', NS]);
    cluster.kubectl(['wait', '--for=delete', 'replicaset', '-l', 'app=web', '-n', NS, '--timeout=60s']);
    cluster.kubectl(['delete', 'namespace', `${NS}-fresh`, '--timeout=60s']);
    expect(cluster.tryKubectl(['get', 'namespace', `${NS}-fresh`]).stderr).toContain('NotFound');
  });
});

describe('component supervision', () => {
  const dir = mkdtempSync(join(tmpdir(), 'procos-component-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a component that exits, with its exit code and the tail of its log', async () => {
    const c = new Component({
      name: 'short-lived',
      binary: 'sh',
      args: ['-c', 'echo "fatal: flag provided but not defined: --bogus"; exit 3'],
      logFile: join(dir, 'short-lived.log'),
      health: () => Promise.resolve('not listening yet'),
    });
    await expect(c.waitServing(30_000)).rejects.toThrow(
      /short-lived exited \(code 3\)[^]*fatal: flag provided but not defined: --bogus/,
    );
    expect(await c.check()).toMatch(/short-lived exited \(code 3\)/);
  });

  it('reports a live component whose health endpoint does not answer', async () => {
    const c = new Component({
      name: 'mute',
      binary: 'sleep',
      args: ['60'],
      logFile: join(dir, 'mute.log'),
      health: () => probeHttp('http://127.0.0.1:9/healthz', /^ok$/),
    });
    try {
      expect(await c.check()).toMatch(/^mute is not serving: GET http:\/\/127\.0\.0\.1:9\/healthz failed/);
    } finally {
      await c.stop();
    }
    // Stopped on purpose: not reported as died.
    expect(c.died).toBeUndefined();
  });
});
