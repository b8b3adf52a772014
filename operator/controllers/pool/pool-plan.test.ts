import { describe, expect, it } from 'vitest';
import { sandboxPolicySpec, workerPoolSpec } from '../../api/index.js';
import { APPLIED_HASH, planPool, type PoolFacts, type PoolPlan } from './pool-plan.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');

const pool = (spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
  metadata: { name: 'greeters', namespace: 'team-a', uid: 'uid-1', generation: 2, annotations },
  spec: workerPoolSpec.parse({
    taskTypes: ['greet'],
    handlers: [{ taskType: 'greet', adapter: 'format', config: { template: 'hi', output: 'greeting' } }],
    scaling: { min: 0, max: 10, targetBacklogPerReplica: 5, scaleUpCooldownSeconds: 15, scaleDownCooldownSeconds: 60 },
    ...spec,
  }),
});

const facts = (over: Partial<PoolFacts> = {}): PoolFacts => ({
  pool: pool(),
  policy: { state: 'none' },
  handlerProblems: [],
  missingSecrets: [],
  owned: {},
  pods: [],
  backlog: { ok: true, reading: { byType: { greet: 0 }, total: 0 }, readAt: NOW },
  scaler: { history: [] },
  defaults: { image: 'procos.local/procos-worker:0.1.0', engineAddress: 'grpc://engine:26500' },
  now: NOW,
  pollMs: 10_000,
  ...over,
});

const condition = (plan: PoolPlan, type: string) => plan.conditions.find((c) => c.type === type);
const kinds = (plan: PoolPlan) => plan.apply.map((a) => a.manifest.kind);
const backlog = (total: number): PoolFacts['backlog'] => ({
  ok: true,
  reading: { byType: { greet: total }, total },
  readAt: NOW,
});

/** The facts of the next loop, as if the apiserver had taken everything this plan applied. */
function appliedAndRolledOut(f: PoolFacts, plan: PoolPlan): PoolFacts {
  const hash = (kind: string) => {
    const m = plan.apply.find((x) => x.manifest.kind === kind)?.manifest;
    return (m?.metadata.annotations as Record<string, string> | undefined)?.[APPLIED_HASH];
  };
  const replicas = plan.decision?.replicas ?? 0;
  return {
    ...f,
    owned: {
      configMap: hash('ConfigMap') ?? f.owned.configMap,
      networkPolicy: hash('NetworkPolicy') ?? f.owned.networkPolicy,
      podDisruptionBudget: hash('PodDisruptionBudget'),
      deployment: {
        specReplicas: replicas,
        generation: 1,
        appliedHash: hash('Deployment') ?? f.owned.deployment?.appliedHash,
        status: { observedGeneration: 1, replicas, readyReplicas: replicas, updatedReplicas: replicas },
      },
    },
  };
}

describe('planPool', () => {
  it('a new pool: ConfigMap, NetworkPolicy and Deployment applied; RollingOut until the pods are ready', () => {
    const plan = planPool(facts({ pool: pool({ scaling: { min: 1, max: 3 } }) }));
    expect(kinds(plan).sort()).toEqual(['ConfigMap', 'Deployment', 'NetworkPolicy']);
    // Created, not applied: an apply would adopt an object of the same name that is not the pool's.
    expect(plan.apply.every((a) => a.create)).toBe(true);
    expect(plan.decision?.replicas).toBe(1);
    expect(condition(plan, 'Ready')).toMatchObject({ status: 'False', reason: 'RollingOut' });
    expect(condition(plan, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingOut' });
    expect(plan.status).toMatchObject({ desiredReplicas: 1, selector: 'procos.io/pool=greeters', isolation: 'None' });
  });

  it('once applied and rolled out: nothing to apply, Ready Available, no status churn', () => {
    const f = facts({ pool: pool({ scaling: { min: 1, max: 3 } }) });
    const next = planPool(appliedAndRolledOut(f, planPool(f)));
    expect(next.apply).toEqual([]);
    expect(condition(next, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Available',
      message: '1/1 workers ready',
    });
    expect(condition(next, 'Progressing')).toMatchObject({ status: 'False', reason: 'Complete' });
    expect(condition(next, 'Degraded')).toMatchObject({ status: 'False' });
    expect(next.events).toEqual([]);
  });

  it('scaling down, the message says so instead of more workers ready than wanted', () => {
    const f = facts({ pool: pool({ replicas: 1 }) });
    const rolled = appliedAndRolledOut(f, planPool(f));
    const deployment = rolled.owned.deployment;
    if (!deployment) throw new Error('no deployment in the facts');
    const shrinking = planPool({
      ...rolled,
      owned: {
        ...rolled.owned,
        deployment: {
          ...deployment,
          status: { ...deployment.status, replicas: 5, readyReplicas: 5, updatedReplicas: 5 },
        },
      },
    });
    expect(condition(shrinking, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'RollingOut',
      message: 'scaling down to 1: 5 workers, 5 ready',
    });
    // A rolling update's surge is not a scale-down: one new pod beside the old one.
    const surging = planPool({
      ...rolled,
      owned: {
        ...rolled.owned,
        deployment: {
          ...deployment,
          status: { ...deployment.status, replicas: 2, readyReplicas: 1, updatedReplicas: 1 },
        },
      },
    });
    expect(condition(surging, 'Ready')?.message).toBe('1/1 workers ready, 1 updated');
  });

  it('a backlog spike scales up at once, says why in an Event, and adds a PDB past one replica', () => {
    const f = facts({ backlog: backlog(240) });
    const plan = planPool(f);
    expect(plan.decision?.replicas).toBe(10);
    expect(plan.events).toContainEqual({
      type: 'Normal',
      reason: 'ScaledUp',
      message: 'backlog 240 > 5 per replica: 0 → 10',
    });
    expect(kinds(plan)).toContain('PodDisruptionBudget');
    expect(plan.status).toMatchObject({ backlog: 240, backlogByType: [{ taskType: 'greet', backlog: 240 }] });
    expect(plan.status.lastScaleUpTime).toBe('2026-11-26T12:00:00Z');
    expect(condition(plan, 'Scaling')).toMatchObject({ status: 'True', reason: 'ScaledUp' });
  });

  it('a huge backlog stays within max and overflows nothing', () => {
    const plan = planPool(facts({ backlog: backlog(Number.MAX_SAFE_INTEGER) }));
    expect(plan.decision?.replicas).toBe(10);
  });

  it('scales back to zero only after the window, then deletes the PDB; Ready Idle at zero', () => {
    const up = facts({ backlog: backlog(240) });
    const upPlan = planPool(up);
    const history = upPlan.decision?.history ?? [];
    const at = (ms: number): PoolFacts => ({
      ...appliedAndRolledOut(up, upPlan),
      backlog: backlog(0),
      now: NOW + ms,
      scaler: { history, lastScaleUpAt: NOW },
    });
    const early = planPool(at(30_000));
    expect(early.decision).toMatchObject({ replicas: 10, reason: 'DownStabilizing' });
    expect(early.requeueAfterMs).toBe(10_000);
    const later = planPool(at(61_000));
    expect(later.decision).toMatchObject({ replicas: 0, reason: 'ScaledDown' });
    expect(later.delete).toEqual([
      { apiVersion: 'policy/v1', plural: 'poddisruptionbudgets', name: 'greeters-worker' },
    ]);
    expect(later.events[0]?.message).toBe('backlog 0 at 5 per replica: 10 → 0');
    const idle = planPool({ ...appliedAndRolledOut(at(61_000), later), now: NOW + 62_000 });
    expect(condition(idle, 'Ready')).toMatchObject({ status: 'True', reason: 'Idle' });
  });

  it('spec.replicas wins: Scaling False Fixed, no requeue for the scaler', () => {
    const plan = planPool(facts({ pool: pool({ replicas: 3 }), backlog: backlog(500) }));
    expect(plan.decision?.replicas).toBe(3);
    expect(condition(plan, 'Scaling')).toMatchObject({ status: 'False', reason: 'Fixed' });
    expect(plan.requeueAfterMs).toBeUndefined();
  });

  it('no backlog source: keeps its size, Scaling False and Degraded BacklogUnavailable with the cause', () => {
    const f = facts({ pool: pool({ scaling: { min: 1, max: 3 } }) });
    const running = appliedAndRolledOut(f, planPool(f));
    const plan = planPool({
      ...running,
      owned: { ...running.owned, deployment: { ...running.owned.deployment, specReplicas: 2, status: {} } },
      backlog: { ok: false, message: 'procos-engine http://engine:9600: did not answer' },
    });
    expect(plan.decision?.replicas).toBe(2);
    expect(condition(plan, 'Scaling')).toMatchObject({
      status: 'False',
      reason: 'BacklogUnavailable',
      message: 'procos-engine http://engine:9600: did not answer',
    });
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'True', reason: 'BacklogUnavailable' });
    expect(plan.status.backlog).toBeUndefined();
  });

  it.each([
    [{ policy: { state: 'missing', name: 'strict' } }, 'PolicyNotFound', "SandboxPolicy 'strict' does not exist"],
    [
      {
        policy: {
          state: 'found',
          name: 'strict',
          spec: sandboxPolicySpec.parse({ allowedTaskTypes: ['io.*'] }),
          disallowed: ['greet'],
        },
      },
      'TaskTypeNotAllowed',
      "task type(s) greet not allowed by SandboxPolicy 'strict' (allowedTaskTypes: io.*)",
    ],
    [
      { handlerProblems: ['spec.handlers[0] (greet).config.output: Required'] },
      'InvalidHandlerConfig',
      'spec.handlers[0] (greet).config.output: Required',
    ],
    [{ missingSecrets: ['smtp-login'] }, 'SecretNotFound', 'Secret(s) smtp-login in spec.secretRefs do not exist'],
  ] as const)(
    'a blocked pool (%#): applies nothing, leaves the running Deployment alone, says %s',
    (over, reason, text) => {
      const f = facts({ pool: pool({ scaling: { min: 1, max: 3 } }) });
      const running = appliedAndRolledOut(f, planPool(f));
      const plan = planPool({ ...running, ...(over as Partial<PoolFacts>), backlog: backlog(500) });
      expect(plan.apply).toEqual([]);
      expect(plan.decision).toBeUndefined();
      expect(plan.requeueAfterMs).toBeUndefined();
      expect(plan.status).toMatchObject({ replicas: 1, readyReplicas: 1, desiredReplicas: 1 });
      expect(condition(plan, 'Ready')).toMatchObject({ status: 'False', reason });
      expect(condition(plan, 'Degraded')).toMatchObject({ status: 'True', reason });
      expect(condition(plan, 'Ready')?.message).toContain(text);
    },
  );

  it('isolation Pod: ServiceAccount and RoleBinding before the Deployment; back to Process, they are deleted', () => {
    const python = pool({
      scaling: { min: 1, max: 3 },
      taskTypes: ['py'],
      handlers: [{ taskType: 'py', adapter: 'python', config: { script: 'print(1)' } }],
    });
    const policyFacts = (isolation: 'Pod' | 'Process'): PoolFacts['policy'] => ({
      state: 'found',
      name: 'scripts',
      spec: sandboxPolicySpec.parse({ allowedTaskTypes: ['*'], script: { isolation } }),
      disallowed: [],
    });
    const f = facts({ pool: python, policy: policyFacts('Pod') });
    const plan = planPool(f);
    expect(kinds(plan)).toEqual([
      'ConfigMap',
      'NetworkPolicy',
      'ServiceAccount',
      'RoleBinding',
      'NetworkPolicy',
      'Deployment',
    ]);
    expect(plan.status.isolation).toBe('Pod');
    const hash = (kind: string, name: string) =>
      (
        plan.apply.find((a) => a.manifest.kind === kind && a.manifest.metadata.name === name)?.manifest.metadata
          .annotations as Record<string, string> | undefined
      )?.[APPLIED_HASH];
    const running = appliedAndRolledOut(f, plan);
    const withScripts: PoolFacts = {
      ...running,
      owned: {
        ...running.owned,
        serviceAccount: hash('ServiceAccount', 'greeters-worker'),
        roleBinding: hash('RoleBinding', 'greeters-worker-scripts'),
        scriptNetworkPolicy: hash('NetworkPolicy', 'greeters-worker-scripts'),
      },
    };
    expect(planPool(withScripts).apply).toEqual([]);
    const back = planPool({ ...withScripts, policy: policyFacts('Process') });
    expect(back.delete).toEqual([
      { apiVersion: 'v1', plural: 'serviceaccounts', name: 'greeters-worker' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'rolebindings', name: 'greeters-worker-scripts' },
      { apiVersion: 'networking.k8s.io/v1', plural: 'networkpolicies', name: 'greeters-worker-scripts' },
    ]);
  });

  it('engine credentials: their Secret before the Deployment; rotated, both are applied; gone, the Secret is deleted', () => {
    const bearer = (token: string, fingerprint: string): PoolFacts['defaults'] => ({
      ...facts().defaults,
      engineCredentials: { env: { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: token }, fingerprint },
    });
    const f = facts({ pool: pool({ scaling: { min: 1, max: 3 } }), defaults: bearer('one', 'f1') });
    const plan = planPool(f);
    expect(kinds(plan)).toEqual(['ConfigMap', 'NetworkPolicy', 'Secret', 'Deployment']);
    const secretHash = (p: PoolPlan) =>
      (p.apply.find((a) => a.manifest.kind === 'Secret')?.manifest.metadata.annotations as Record<string, string>)[
        APPLIED_HASH
      ];
    const running = appliedAndRolledOut(f, plan);
    const steady: PoolFacts = { ...running, owned: { ...running.owned, engineSecret: secretHash(plan) } };
    expect(planPool(steady).apply).toEqual([]);

    const rotated = planPool({ ...steady, defaults: bearer('two', 'f2') });
    expect(kinds(rotated)).toEqual(['Secret', 'Deployment']);
    expect(rotated.apply.every((a) => !a.create)).toBe(true);

    const none = planPool({ ...steady, defaults: facts().defaults });
    expect(kinds(none)).toEqual(['Deployment']);
    expect(none.delete).toEqual([{ apiVersion: 'v1', plural: 'secrets', name: 'greeters-worker-engine-auth' }]);
  });

  it('a pod that cannot pull its image: Ready False and Degraded ImagePullFailed, naming the pod', () => {
    const f = facts({ pool: pool({ scaling: { min: 1, max: 3 } }) });
    const plan = planPool({
      ...f,
      pods: [{ pod: 'greeters-worker-abc', reason: 'ImagePullFailed', message: 'image nope:1 cannot be pulled' }],
    });
    expect(condition(plan, 'Ready')).toMatchObject({ status: 'False', reason: 'ImagePullFailed' });
    expect(condition(plan, 'Degraded')?.message).toMatch(/nope:1 cannot be pulled \(pod greeters-worker-abc; 0\/1/);
  });

  it('a Deployment scaled by someone else is put back to the decided size', () => {
    const f = facts({ pool: pool({ replicas: 2 }) });
    const running = appliedAndRolledOut(f, planPool(f));
    const dep = running.owned.deployment;
    const plan = planPool({ ...running, owned: { ...running.owned, deployment: dep && { ...dep, specReplicas: 5 } } });
    expect(kinds(plan)).toEqual(['Deployment']);
    expect(plan.apply[0]?.create).toBe(false);
  });

  it('a handler change changes the pod template checksum (the pods roll)', () => {
    const f = facts({ pool: pool({ scaling: { min: 1, max: 3 } }) });
    const template = (p: PoolPlan) =>
      (plan(p).spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata
        .annotations['procos.io/config-sha256'];
    const plan = (p: PoolPlan) => p.apply.find((a) => a.manifest.kind === 'Deployment')?.manifest ?? { spec: {} };
    const before = planPool(f);
    const edited = pool({
      scaling: { min: 1, max: 3 },
      handlers: [{ taskType: 'greet', adapter: 'format', config: { template: 'hello', output: 'greeting' } }],
    });
    const after = planPool({ ...appliedAndRolledOut(f, before), pool: edited });
    expect(kinds(after)).toEqual(['ConfigMap', 'Deployment']);
    expect(template(after)).not.toBe(template(before));
  });

  describe('annotations (Argo CD resource actions, kubectl annotate)', () => {
    const template = (p: PoolPlan) =>
      (
        p.apply.find((a) => a.manifest.kind === 'Deployment')?.manifest.spec as
          { template: { metadata: { annotations: Record<string, string> } } } | undefined
      )?.template.metadata.annotations;

    it('procos.io/restartedAt goes to the pod template: a new value rolls the pods, nothing else is applied', () => {
      const f = facts({ pool: pool({ scaling: { min: 1, max: 3 } }) });
      const running = appliedAndRolledOut(f, planPool(f));
      const restarted = planPool({
        ...running,
        pool: pool({ scaling: { min: 1, max: 3 } }, { 'procos.io/restartedAt': '2026-11-26T12:05:00Z' }),
      });
      expect(kinds(restarted)).toEqual(['Deployment']);
      expect(template(restarted)).toMatchObject({ 'procos.io/restartedAt': '2026-11-26T12:05:00Z' });
      expect(condition(restarted, 'Ready')).toMatchObject({ status: 'False', reason: 'RollingOut' });
      const again = appliedAndRolledOut(
        {
          ...running,
          pool: pool({ scaling: { min: 1, max: 3 } }, { 'procos.io/restartedAt': '2026-11-26T12:05:00Z' }),
        },
        restarted,
      );
      expect(planPool(again).apply).toEqual([]);
    });

    it('without the annotation the template carries no restart mark', () => {
      expect(Object.keys(template(planPool(facts())) ?? {})).toEqual(['procos.io/config-sha256']);
    });

    it('procos.io/scaling-paused "true": a backlog spike scales nothing; Scaling False Paused, no requeue', () => {
      const f = facts({ pool: pool({ scaling: { min: 1, max: 10 } }) });
      const running = appliedAndRolledOut(f, planPool(f));
      const paused = pool({ scaling: { min: 1, max: 10 } }, { 'procos.io/scaling-paused': 'true' });
      const plan = planPool({ ...running, pool: paused, backlog: backlog(240) });
      expect(plan.decision).toMatchObject({ replicas: 1, reason: 'Paused' });
      expect(plan.apply).toEqual([]);
      expect(plan.events).toEqual([]);
      expect(condition(plan, 'Scaling')).toMatchObject({ status: 'False', reason: 'Paused' });
      expect(condition(plan, 'Ready')).toMatchObject({ status: 'True', reason: 'Available' });
      expect(plan.requeueAfterMs).toBeUndefined();
      // Removed (the resume action), the same backlog scales up at once.
      const resumed = planPool({ ...running, backlog: backlog(240) });
      expect(resumed.decision).toMatchObject({ replicas: 10, reason: 'ScaledUp' });
    });

    it('paused, a backlog that cannot be read is no problem: Degraded stays False', () => {
      const f = facts({ pool: pool({ scaling: { min: 1, max: 3 } }, { 'procos.io/scaling-paused': 'true' }) });
      const plan = planPool({ ...f, backlog: { ok: false, message: 'procos-engine did not answer' } });
      expect(condition(plan, 'Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
      expect(condition(plan, 'Scaling')).toMatchObject({ status: 'False', reason: 'Paused' });
    });

    it('any other value than "true" does not pause', () => {
      const f = facts({ pool: pool({}, { 'procos.io/scaling-paused': 'yes' }), backlog: backlog(240) });
      expect(planPool(f).decision).toMatchObject({ reason: 'ScaledUp' });
    });

    it.each([
      [{}, {}, 'scaled to zero; the pool scales up when jobs of its types wait'],
      [{ replicas: 0 }, {}, 'scaled to zero: spec.replicas is 0'],
      [
        {},
        { 'procos.io/scaling-paused': 'true' },
        'scaled to zero, and scaling is paused: no worker starts until it is resumed',
      ],
    ])('Ready Idle says why the pool is at zero (%j %j)', (spec, annotations, message) => {
      const f = facts({ pool: pool(spec, annotations) });
      const idle = planPool(appliedAndRolledOut(f, planPool(f)));
      expect(condition(idle, 'Ready')).toMatchObject({ status: 'True', reason: 'Idle', message });
    });
  });
});
