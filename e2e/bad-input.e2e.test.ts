// Bad and odd ProcOSProcesses, generated, against a real apiserver with a running operator and
// procos-engine: whatever the apiserver accepts, the operator must survive — it keeps running
// and answering /healthz, gives every resource a status whose Ready reason is a documented
// one, does not loop on any of them, and converges after a kill -9 in the middle of the flood.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../lib/testing/temp-dir.js';
import { freePort } from '../lib/net/free-port.js';
import { spawnEngine, type EngineProcess } from '../engine/testing/engine-process.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { projectRoot } from '../lib/cli/version.js';
import { READY_REASONS } from '../operator/controllers/process/process-reasons.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';
import { httpGet } from './testing/http-get.js';
import { spawnOperator, type OperatorProcess } from './testing/operator-process.js';

const NS = 'procos-bad-input';
const NS2 = 'procos-bad-input-2';
/** Reconciles one object may take to settle (add, its own status write, id-sharing requeues). */
const MAX_RECONCILES_PER_OBJECT = 12;
/** Events one object may get (each a series: identical ones are counted, not repeated). */
const MAX_EVENTS_PER_OBJECT = 10;

interface Generated {
  namespace: string;
  name: string;
  spec: Record<string, unknown>;
  /** The reasons this resource may end in (undefined: any documented reason). */
  expect?: (keyof typeof READY_REASONS)[];
}

/** A deterministic generator (an LCG): the same flood on every run. */
function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}

const DEFS =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" ' +
  'id="defs" targetNamespace="https://procos.io/bad-input"';

/** start → one service task per job type → end. */
function chain(id: string, types: string[], start = '<bpmn:startEvent id="start"/>', extra = ''): string {
  const tasks = types.map(
    (t, i) =>
      `<bpmn:serviceTask id="t${i}"><bpmn:extensionElements><zeebe:taskDefinition type="${t}"/></bpmn:extensionElements></bpmn:serviceTask>`,
  );
  const ids = ['start', ...types.map((_, i) => `t${i}`), 'end'];
  const flows = ids
    .slice(1)
    .map((to, i) => `<bpmn:sequenceFlow id="f${i}" sourceRef="${ids[i] ?? ''}" targetRef="${to}"/>`);
  return (
    `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions ${DEFS}>${extra}` +
    `<bpmn:process id="${id}" isExecutable="true">${start}${tasks.join('')}<bpmn:endEvent id="end"/>${flows.join('')}</bpmn:process>` +
    `</bpmn:definitions>`
  );
}

function nested(id: string, depth: number): string {
  const open = Array.from({ length: depth }, (_, i) => `<bpmn:subProcess id="sp${i}"><bpmn:startEvent id="s${i}"/>`);
  const close = Array.from({ length: depth }, () => '</bpmn:subProcess>');
  return `<?xml version="1.0"?><bpmn:definitions ${DEFS}><bpmn:process id="${id}" isExecutable="true"><bpmn:startEvent id="start"/>${open.join('')}${close.join('')}</bpmn:process></bpmn:definitions>`;
}

/** Stands in for variables nested 5000 deep until the manifest is text (JSON.stringify recurses). */
const DEEP = '__deep_variables__';
const DEEP_JSON = `${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}`;

/** The flood: named cases from the issue, then random mutations of a valid process. */
function generate(): Generated[] {
  const out: Generated[] = [];
  const add = (name: string, spec: Record<string, unknown>, expected?: Generated['expect'], namespace = NS) =>
    out.push({ namespace, name, spec, expect: expected });
  const inline = (xml: string) => ({ bpmn: { inline: xml } });
  add('ok', inline(chain('bad-ok', ['hello.greet'])), ['Deployed']);
  add('ok-boot', { ...inline(chain('bad-ok-boot', ['hello.greet'])), startOnDeploy: { enabled: true } }, ['Deployed']);
  add('long-id', inline(chain('p'.repeat(300), ['hello.greet'])), ['InvalidBPMN']);
  add(
    'many-types',
    inline(
      chain(
        'bad-many-types',
        Array.from({ length: 300 }, (_, i) => `type-${i}`),
      ),
    ),
    ['Deployed'],
  );
  add(
    'huge-policy-message',
    {
      ...inline(
        chain(
          'bad-huge-message',
          Array.from({ length: 300 }, (_, i) => `x${i}-${'y'.repeat(180)}`),
        ),
      ),
      sandboxPolicyRef: { name: 'hello' },
    },
    ['TaskTypeNotAllowed'],
  );
  add(
    'deep-variables',
    { ...inline(chain('bad-deep', ['hello.greet'])), startOnDeploy: { enabled: true, variables: DEEP } },
    ['InvalidStartVariables'],
  );
  add(
    'message-start-boot',
    {
      ...inline(
        chain(
          'bad-message-start',
          ['hello.greet'],
          '<bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>',
          '<bpmn:message id="m" name="go"/>',
        ),
      ),
      startOnDeploy: { enabled: true },
    },
    ['StartOnDeployNotPossible'],
  );
  add(
    'two-processes',
    inline(
      chain('bad-two-a', ['hello.greet']).replace(
        '</bpmn:definitions>',
        '<bpmn:process id="bad-two-b" isExecutable="true"><bpmn:startEvent id="s2"/></bpmn:process></bpmn:definitions>',
      ),
    ),
    ['MultipleProcesses'],
  );
  add('dup', inline(chain('bad-dup', ['hello.greet'])), ['Deployed', 'DuplicateProcessId']);
  add('dup', inline(chain('bad-dup', ['hello.reply'])), ['Deployed', 'DuplicateProcessId'], NS2);
  add('slow-glob', { ...inline(chain('bad-slow-glob', ['a'.repeat(180)])), sandboxPolicyRef: { name: 'slow' } }, [
    'TaskTypeNotAllowed',
  ]);
  add('doctype', inline(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]>${chain('bad-doctype', ['t'])}`), [
    'InvalidBPMN',
  ]);
  add(
    'nul-chars',
    inline(chain('bad-nul', ['hello.greet']).replace('<bpmn:endEvent', '<bpmn:endEvent name="a\u0000b"')),
  );
  add('non-ascii-id', inline(chain('prozeß-ü-名前', ['hello.greet'])));
  add('nested-deep', inline(nested('bad-nested', 300)));
  add('garbage', inline('<<<not xml at all'), ['InvalidBPMN']);
  add('not-bpmn', inline('<?xml version="1.0"?><html><body/></html>'), ['InvalidBPMN']);
  add('no-configmap', { bpmn: { configMapRef: { name: 'nowhere' } } }, ['ConfigMapNotFound']);
  add('no-key', { bpmn: { configMapRef: { name: 'bad-input-bpmn', key: 'missing.bpmn' } } }, ['ConfigMapKeyNotFound']);
  add('no-policy', { ...inline(chain('bad-no-policy', ['t'])), sandboxPolicyRef: { name: 'nowhere' } }, [
    'SandboxPolicyNotFound',
  ]);
  add('empty-inline', { bpmn: { inline: '' } }); // the schema refuses it
  add('bad-glob-ref', { ...inline(chain('bad-glob-ref', ['t'])), sandboxPolicyRef: { name: 'reversed' } }, [
    'SandboxPolicyNotFound',
  ]);
  // Random damage to a valid process: cut it short, drop or swap characters, break ids.
  const rnd = random(8);
  const valid = chain('bad-random', ['hello.greet', 'hello.reply']);
  for (let i = 0; i < 36; i++) {
    let xml = valid.replace('bad-random', `bad-random-${i}`);
    const at = rnd(xml.length);
    switch (i % 6) {
      case 0:
        xml = xml.slice(0, at);
        break;
      case 1:
        xml = xml.slice(0, at) + xml.slice(at + 1 + rnd(20));
        break;
      case 2:
        xml = xml.slice(0, at) + ('<>&"\''.at(rnd(5)) ?? '') + xml.slice(at);
        break;
      case 3:
        xml = xml.replace('sourceRef="start"', 'sourceRef="nowhere"');
        break;
      case 4:
        xml = xml.replace(/type="[^"]*"/, `type="${'='.repeat(1 + rnd(3))}${'x'.repeat(rnd(300))}"`);
        break;
      default:
        xml = xml.replaceAll('bpmn:', rnd(2) ? 'bpmn2:' : '');
    }
    add(`random-${i}`, {
      ...inline(xml || '<x/>'),
      ...(rnd(3) === 0 ? { startOnDeploy: { enabled: true, variables: { n: i } } } : {}),
      ...(rnd(4) === 0 ? { deletionPolicy: 'Delete' } : {}),
    });
  }
  return out;
}

describe('bad and odd ProcOSProcesses (real apiserver, engine and operator)', () => {
  let cluster: TestCluster;
  let engine: EngineProcess;
  let operator: OperatorProcess;
  const logDir = tempDir('procos-bad-input-e2e-');
  const engineDataDir = tempDir('procos-bad-input-engine-');
  const flood = generate();

  const spawn = (identity: string): OperatorProcess =>
    spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: engine.grpc,
      identity,
      logDir,
      leaseDurationSeconds: 6,
      logLevel: 'debug',
    });

  beforeAll(async () => {
    cluster = await useCluster();
    installCrds(cluster, join(projectRoot(), 'crds'));
    for (const ns of [NS, NS2, 'procos-system']) cluster.kubectl(['create', 'namespace', ns]);
    cluster.kubectl(['apply', '-n', NS, '-f', join(projectRoot(), 'processes/samples/sandboxpolicy.yaml')]);
    cluster.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'procos.io/v1alpha1',
            kind: 'SandboxPolicy',
            metadata: { name: 'slow', namespace: NS },
            // Regex backtracking made this glob take 17 s against a 180-character job type.
            spec: { allowedTaskTypes: ['*a*a*a*a*a*a*a*a*a*a*a*b'] },
          },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'bad-input-bpmn', namespace: NS },
            data: { 'process.bpmn': '<x/>' },
          },
        ],
      }),
    );
    engine = await spawnEngine({
      port: await freePort(),
      monitoringPort: await freePort(),
      dataDir: engineDataDir,
    });
    operator = spawn('op-flood-a');
  }, 900_000);

  afterAll(async () => {
    await operator.kill('SIGTERM');
    await engine.kill('SIGTERM');
    await cluster.stop();
  });

  it('the apiserver refuses a SandboxPolicy glob the operator could not use', () => {
    const r = cluster.tryKubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'procos.io/v1alpha1',
        kind: 'SandboxPolicy',
        metadata: { name: 'reversed', namespace: NS },
        spec: { allowedTaskTypes: ['script.[z-a]'] },
      }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.allowedTaskTypes[0]');
  });

  it('survives the flood and a kill -9 in the middle of it', async () => {
    // /healthz must answer throughout (a blocked event loop would miss lease renewals too).
    const healthFailures: string[] = [];
    const killed = new Set<string>(); // identities the test kills on purpose
    const polling = new AbortController();
    const poller = (async () => {
      while (!polling.signal.aborted) {
        const op = operator; // the one probed, even if the test replaces it meanwhile
        const url = op.alive ? op.monitoring() : undefined;
        if (url) {
          const ok = await httpGet(`${url}/healthz`, 5000).then(
            (r) => r.status === 200,
            (err: unknown) => (killed.has(op.identity) ? true : String(err)),
          );
          if (ok !== true) healthFailures.push(`${op.identity}: ${ok === false ? 'not ok' : ok}`);
        }
        // The sampling cadence of this background monitor, not a wait for something to happen.
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const manifest = (items: Generated[]): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: items.map((g) => ({
          apiVersion: 'procos.io/v1alpha1',
          kind: 'ProcOSProcess',
          metadata: { name: g.name, namespace: g.namespace },
          spec: g.spec,
        })),
      }).replace(`"${DEEP}"`, DEEP_JSON);
    // Some items are refused by the apiserver; kubectl goes on with the rest and exits 1.
    const apply = (items: Generated[]) => cluster.kubectlAsync(['apply', '-f', '-'], manifest(items)).catch(() => '');
    // The first half while the operator runs; kill -9 as soon as it is at work; the second
    // half while no operator runs, so the next one has both unfinished and fresh work.
    const half = Math.ceil(flood.length / 2);
    const applying = apply(flood.slice(0, half));
    const withStatus = (): number => listAccepted().filter((p) => p.status?.conditions).length;
    await waitFor('the first resources of the flood to get a status', () => (withStatus() >= 3 ? true : undefined), {
      timeoutMs: 120_000,
    });
    expect(operator.alive, 'the operator exited during the flood').toBe(true);
    killed.add(operator.identity);
    await operator.kill('SIGKILL');
    await applying;
    await apply(flood.slice(half));
    const first = operator;
    operator = spawn('op-flood-b');

    const accepted = await waitFor(
      () => `every accepted resource to get a status for its generation (log: ${operator.logFile})`,
      () => {
        const all = listAccepted();
        const pending = all.filter(
          (p) =>
            !p.status?.conditions?.some((c) => c.type === 'Ready') ||
            p.status.observedGeneration !== p.metadata.generation,
        );
        return pending.length ? undefined : all;
      },
      { timeoutMs: 180_000, everyMs: 500 },
    );
    polling.abort();
    await poller;

    expect(first.log().some((l) => l.msg === 'operator failed')).toBe(false);
    expect(operator.alive, 'the operator exited').toBe(true);
    expect(operator.log().some((l) => l.msg === 'became leader')).toBe(true);
    expect(healthFailures).toEqual([]);
    expect(operator.log().filter((l) => /lost leadership/.test(l.msg))).toEqual([]);
    expect(accepted.length).toBeGreaterThan(flood.length / 2);

    const byKey = new Map(flood.map((g) => [`${g.namespace}/${g.name}`, g]));
    for (const p of accepted) {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      expect(Object.keys(READY_REASONS), `${key}: ${ready?.message ?? ''}`).toContain(ready?.reason);
      const wanted = byKey.get(key)?.expect;
      if (wanted) expect(wanted, `${key}: ${ready?.message ?? ''}`).toContain(ready?.reason);
      expect(ready?.message.length ?? 0).toBeLessThanOrEqual(4096);
    }
    // One process id, two namespaces: exactly one deploys, the other names it.
    const dups = accepted.filter((p) => p.metadata.name === 'dup');
    expect(dups.map((p) => readyOf(p)?.reason).sort()).toEqual(['Deployed', 'DuplicateProcessId']);
    const owner = dups.find((p) => readyOf(p)?.reason === 'Deployed');
    expect(dups.find((p) => p !== owner)?.status?.conditions?.[0]?.message).toContain(
      `ProcOSProcess ${owner?.metadata.namespace ?? ''}/dup`,
    );

    // No hot loop: bounded reconciles (the debug `reconciled` lines) and Events per object.
    const reconciles = new Map<string, number>();
    for (const l of [...first.log(), ...operator.log()])
      if (l.msg === 'reconciled') {
        const key = `${String(l.namespace)}/${String(l.name)}`;
        reconciles.set(key, (reconciles.get(key) ?? 0) + 1);
      }
    const busiest = [...reconciles].sort((a, b) => b[1] - a[1])[0];
    expect(busiest?.[1] ?? 0, `most reconciled: ${busiest?.[0] ?? ''}`).toBeLessThanOrEqual(MAX_RECONCILES_PER_OBJECT);
    const events = new Map<string, number>();
    for (const ns of [NS, NS2]) {
      const list = JSON.parse(cluster.kubectl(['get', 'events', '-n', ns, '-o', 'json'])) as {
        items: { involvedObject: { kind: string; name: string }; count?: number }[];
      };
      for (const e of list.items)
        if (e.involvedObject.kind === 'ProcOSProcess') {
          const key = `${ns}/${e.involvedObject.name}`;
          events.set(key, (events.get(key) ?? 0) + (e.count ?? 1));
        }
    }
    const noisiest = [...events].sort((a, b) => b[1] - a[1])[0];
    expect(noisiest?.[1] ?? 0, `most Events: ${noisiest?.[0] ?? ''}`).toBeLessThanOrEqual(MAX_EVENTS_PER_OBJECT);
  }, 600_000);

  interface Listed {
    metadata: { name: string; namespace: string; generation: number };
    status?: {
      observedGeneration?: number;
      conditions?: { type: string; status: string; reason: string; message: string }[];
    };
  }

  function listAccepted(): Listed[] {
    return (JSON.parse(cluster.kubectl(['get', 'procosprocesses', '-A', '-o', 'json'])) as { items: Listed[] }).items;
  }

  function readyOf(p: Listed) {
    return p.status?.conditions?.find((c) => c.type === 'Ready');
  }
});
