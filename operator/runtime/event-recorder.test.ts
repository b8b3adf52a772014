import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EventRecorder } from './event-recorder.js';
import { KubeError, type KubeObject, type RequestOptions } from './kube-client.js';

interface Call {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

/** An apiserver that stores Events and answers POST (generateName) and merge-PATCH. */
function fakeApiserver() {
  const calls: Call[] = [];
  const events = new Map<string, Record<string, unknown>>();
  let n = 0;
  return {
    calls,
    events,
    request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
      const body = o.body as Record<string, unknown>;
      calls.push({ method, path, body });
      if (method === 'POST') {
        const name = `ev-${++n}`;
        const stored = { ...body, metadata: { name } };
        events.set(name, stored);
        return Promise.resolve(stored as T);
      }
      const name = path.split('/').at(-1) ?? '';
      const existing = events.get(name);
      if (!existing) return Promise.reject(new KubeError(404, 'NotFound', `events "${name}" not found`));
      Object.assign(existing, body);
      return Promise.resolve(existing as T);
    },
  };
}

const obj = (name: string): KubeObject => ({
  apiVersion: 'procos.io/v1alpha1',
  kind: 'ProcOSProcess',
  metadata: { name, namespace: 'ns', uid: `uid-${name}` },
});

describe('EventRecorder', () => {
  it('counts an identical event on the existing Event instead of creating another', async () => {
    const api = fakeApiserver();
    const recorder = new EventRecorder(api, 'procos-operator', pino({ level: 'silent' }));
    for (let i = 0; i < 5; i++) recorder.record(obj('a'), 'Warning', 'EngineUnavailable', 'cannot reach the engine');
    await recorder.flush();
    expect(api.events.size).toBe(1);
    expect([...api.events.values()][0]).toMatchObject({ count: 5, reason: 'EngineUnavailable' });
    expect(api.calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH', 'PATCH']);
  });

  it('keeps events that differ in reason, message or object apart', async () => {
    const api = fakeApiserver();
    const recorder = new EventRecorder(api, 'procos-operator', pino({ level: 'silent' }));
    recorder.record(obj('a'), 'Normal', 'Deployed', 'version 1');
    recorder.record(obj('a'), 'Normal', 'Deployed', 'version 2');
    recorder.record(obj('a'), 'Normal', 'Started', 'version 2');
    recorder.record(obj('b'), 'Normal', 'Deployed', 'version 1');
    await recorder.flush();
    expect(api.events.size).toBe(4);
  });

  it('limits events per object: a burst, then one per refill period', async () => {
    const api = fakeApiserver();
    let now = 0;
    const recorder = new EventRecorder(api, 'procos-operator', pino({ level: 'silent' }), {
      burst: 3,
      refillPerSecond: 1 / 300,
      now: () => now,
    });
    for (let i = 0; i < 10; i++) recorder.record(obj('a'), 'Warning', 'InvalidBPMN', `problem ${i}`);
    recorder.record(obj('b'), 'Warning', 'InvalidBPMN', 'other object');
    now += 300_000;
    recorder.record(obj('a'), 'Warning', 'InvalidBPMN', 'after five minutes');
    await recorder.flush();
    const messages = [...api.events.values()].map((e) => e.message);
    expect(messages).toEqual(['problem 0', 'problem 1', 'problem 2', 'other object', 'after five minutes']);
  });

  it('starts a new series when the counted Event has expired', async () => {
    const api = fakeApiserver();
    const recorder = new EventRecorder(api, 'procos-operator', pino({ level: 'silent' }));
    recorder.record(obj('a'), 'Normal', 'Deployed', 'version 1');
    await recorder.flush();
    api.events.clear();
    recorder.record(obj('a'), 'Normal', 'Deployed', 'version 1');
    await recorder.flush();
    expect([...api.events.values()]).toEqual([expect.objectContaining({ count: 2 })]);
  });
});
