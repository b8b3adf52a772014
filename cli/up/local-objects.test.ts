import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../lib/testing/temp-dir.js';
import { LocalObjectStore } from './local-objects.js';
import type { DirObject } from './manifest-dir.js';

const policy = (allowed: string[]): DirObject => ({
  apiVersion: 'procos.io/v1alpha1',
  kind: 'SandboxPolicy',
  metadata: { name: 'p' },
  spec: { allowedTaskTypes: allowed } as never,
});
const path = '/apis/procos.io/v1alpha1/namespaces/default/sandboxpolicies/p';

function open(): { store: LocalObjectStore; file: string } {
  const file = join(tempDir('procos-store-'), 'objects.json');
  return { store: LocalObjectStore.open(file), file };
}

describe('LocalObjectStore', () => {
  it('gives a new spec a new generation and keeps uid, creation time and status', async () => {
    const { store } = open();
    store.sync([policy(['a'])]);
    await store.apply(path, { status: { ready: 1 } }, 'status');
    const first = store.lister('SandboxPolicy').get('default/p');
    store.sync([policy(['a'])]);
    expect(store.lister('SandboxPolicy').get('default/p')?.metadata.generation).toBe(1);
    store.sync([policy(['b'])]);
    const second = store.lister('SandboxPolicy').get('default/p');
    expect(second?.metadata).toMatchObject({
      generation: 2,
      uid: first?.metadata.uid,
      creationTimestamp: first?.metadata.creationTimestamp,
    });
    expect(second?.status).toEqual({ ready: 1 });
  });

  it('refuses a status write computed from an older resourceVersion with 409, as the apiserver does', async () => {
    const { store } = open();
    store.sync([policy(['a'])]);
    const rv = store.lister('SandboxPolicy').get('default/p')?.metadata.resourceVersion;
    await store.apply(path, { metadata: { resourceVersion: rv }, status: { n: 1 } }, 'status');
    await expect(
      store.apply(path, { metadata: { resourceVersion: rv }, status: { n: 2 } }, 'status'),
    ).rejects.toMatchObject({
      status: 409,
    });
  });

  it('keeps status, uid and generation across a reopen (what the next procos up resumes from)', async () => {
    const { store, file } = open();
    store.sync([policy(['a'])]);
    await store.apply(path, { status: { version: 3 } }, 'status');
    const again = LocalObjectStore.open(file);
    const events: string[] = [];
    again.on((o, e) => events.push(`${e} ${o.metadata.name}`));
    again.sync([policy(['a'])]);
    expect(events).toEqual([]); // nothing changed: nothing to reconcile
    expect(again.lister('SandboxPolicy').get('default/p')?.status).toEqual({ version: 3 });
  });

  it('deletes what left the folder, and holds an object with a finalizer until the finalizer is removed', async () => {
    const { store } = open();
    store.sync([policy(['a'])]);
    await store.jsonPatch(path, [{ op: 'add', path: '/metadata/finalizers', value: ['procos.io/engine-cleanup'] }]);
    store.sync([]);
    const deleting = store.lister('SandboxPolicy').get('default/p');
    expect(deleting?.metadata.deletionTimestamp).toBeDefined();
    await store.jsonPatch(path, [
      { op: 'test', path: '/metadata/finalizers/0', value: 'procos.io/engine-cleanup' },
      { op: 'remove', path: '/metadata/finalizers/0' },
    ]);
    expect(store.lister('SandboxPolicy').list()).toEqual([]);
  });

  it('keeps an object the caller says to keep (its manifest is invalid for now)', () => {
    const { store } = open();
    store.sync([policy(['a'])]);
    store.sync([], (kind, name) => kind === 'SandboxPolicy' && name === 'p');
    expect(store.lister('SandboxPolicy').list()).toHaveLength(1);
  });

  it('answers 404 for what it does not hold, and 422 for a failed patch test', async () => {
    const { store } = open();
    await expect(store.request('GET', path)).rejects.toMatchObject({ status: 404 });
    store.sync([policy(['a'])]);
    await expect(store.jsonPatch(path, [{ op: 'test', path: '/metadata/name', value: 'q' }])).rejects.toMatchObject({
      status: 422,
    });
  });
});
