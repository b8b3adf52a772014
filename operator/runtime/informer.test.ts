// A namespace-scoped informer: one list + watch per namespace into one cache, and a relist of
// one namespace never deletes another's objects (pure logic over an in-memory list/watch; the
// real apiserver and RBAC are the e2e suite's).
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { Informer, namespacedPath } from './informer.js';
import type { KubeClient, KubeObject } from './kube-client.js';

const thing = (namespace: string, name: string, resourceVersion = '1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name, resourceVersion },
});

/** Collections by path; the test can change what a path lists and end its watch (forcing a relist). */
function fakeApi(collections: Record<string, KubeObject[]>) {
  const paths: string[] = [];
  const ends = new Map<string, (err: unknown) => void>();
  const client = {
    request: (_m: string, path: string) => {
      paths.push(path);
      const items = collections[path];
      return items
        ? Promise.resolve({ metadata: { resourceVersion: '1' }, items })
        : Promise.reject(new Error(`404 ${path}`));
    },
    watch: (path: string, _q: unknown, _onEvent: unknown, onDone: (err: unknown) => void) => {
      ends.set(path, onDone);
      return Promise.resolve(new AbortController());
    },
  } as unknown as KubeClient;
  return { client, paths, ends, collections };
}

describe('namespacedPath', () => {
  it.each([
    ['/api/v1/configmaps', 'team-a', '/api/v1/namespaces/team-a/configmaps'],
    ['/apis/procos.io/v1alpha1/workerpools', 'b', '/apis/procos.io/v1alpha1/namespaces/b/workerpools'],
  ])('%s in %s → %s', (path, ns, expected) => expect(namespacedPath(path, ns)).toBe(expected));
});

describe('a namespace-scoped informer', () => {
  it('lists each namespace only, never the cluster-wide collection, into one cache', async () => {
    const api = fakeApi({
      '/api/v1/namespaces/a/configmaps': [thing('a', 'one')],
      '/api/v1/namespaces/b/configmaps': [thing('b', 'two')],
    });
    const informer = new Informer(
      api.client,
      { path: '/api/v1/configmaps', namespaces: ['a', 'b'] },
      pino({ level: 'silent' }),
    );
    await informer.start();
    try {
      expect(informer.hasSynced).toBe(true);
      expect(
        informer
          .list()
          .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
          .sort(),
      ).toEqual(['a/one', 'b/two']);
      expect(api.paths).not.toContain('/api/v1/configmaps');
    } finally {
      informer.stop();
    }
  });

  it('relists one namespace without deleting the other namespace’s objects', async () => {
    const api = fakeApi({
      '/api/v1/namespaces/a/configmaps': [thing('a', 'one')],
      '/api/v1/namespaces/b/configmaps': [thing('b', 'two')],
    });
    const informer = new Informer(
      api.client,
      { path: '/api/v1/configmaps', namespaces: ['a', 'b'] },
      pino({ level: 'silent' }),
    );
    const deleted: string[] = [];
    informer.on((o, event) => event === 'delete' && deleted.push(`${o.metadata.namespace}/${o.metadata.name}`));
    await informer.start();
    try {
      api.collections['/api/v1/namespaces/a/configmaps'] = [];
      // A watch that ends with 410 Gone must relist (only) its namespace.
      api.ends.get('/api/v1/namespaces/a/configmaps')?.(new Error('410 Gone'));
      await vi.waitFor(() => expect(deleted).toEqual(['a/one']));
      expect(informer.get('b/two')).toBeDefined();
    } finally {
      informer.stop();
    }
  });

  it('is cluster-wide without namespaces', async () => {
    const api = fakeApi({ '/api/v1/configmaps': [thing('a', 'one'), thing('z', 'two')] });
    const informer = new Informer(
      api.client,
      { path: '/api/v1/configmaps', namespaces: [] },
      pino({ level: 'silent' }),
    );
    await informer.start();
    informer.stop();
    expect(informer.list()).toHaveLength(2);
    expect(api.paths).toEqual(['/api/v1/configmaps']);
  });
});
