// Drives one process instance the way a generic environment would: every job of any type is
// completed with no variables (service tasks, connectors, job-based user tasks, listeners), the
// messages it waits for are published when their correlation key can be derived, the signals
// it waits for are broadcast, Camunda user tasks are completed through the REST user-task API
// (the SDK's CamundaRestClient) when the engine serves it. It watches the instance only through the engine's monitoring API
// (the instance tree with its call-activity children, variables, job backlog) and stops when the
// instance ended, has an incident, or stands still for a settle period with nothing left to
// supply — unless a timer it waits on falls due within the budget.
import type { CamundaRestClient } from '@camunda8/sdk/dist/c8/lib/CamundaRestClient.js';
import type { ProcessModel } from '../../lib/bpmn/index.js';
import type { ZeebeGrpcClient } from '../../lib/zeebe/sdk-client.js';
import {
  activeLeaves,
  flatten,
  openIncidents,
  pendingJobTypes,
  signature,
  type TreeElement,
  type TreeInstance,
} from './instance-tree.js';
import type { Outcome } from './outcome.js';
import { targetText, waitTargets, type WaitTarget } from './wait-targets.js';

export interface DriverOptions {
  /** Longest time one instance is driven. */
  budgetMs: number;
  /** How long the instance must stand still (nothing supplied, nothing changed) to count as waiting. */
  settleMs: number;
  pollMs: number;
  /** Jobs completed per instance before it counts as busy (a loop the driver keeps feeding). */
  maxJobs: number;
}

export const DEFAULT_DRIVER_OPTIONS: DriverOptions = { budgetMs: 15_000, settleMs: 500, pollMs: 25, maxJobs: 300 };

export interface DriverContext {
  client: ZeebeGrpcClient;
  /** The SDK's REST client on the engine's REST port, when it serves one (Camunda user tasks). */
  rest?: CamundaRestClient;
  /** GET on the engine's monitoring port, parsed JSON; undefined on 404. */
  api<T>(path: string): Promise<T | undefined>;
  /** Compiled models of every deployed process, by BPMN process id (the latest deployment wins, as calls do). */
  models: Map<string, ProcessModel>;
  options: DriverOptions;
}

interface ScopeView {
  variables: Record<string, unknown>;
  elements: { key: string; flowScopeKey?: string; variables: Record<string, unknown> }[];
}

const WORKER = 'run-models';

export async function driveInstance(ctx: DriverContext, bpmnProcessId: string, version: number): Promise<Outcome> {
  let key: string;
  try {
    ({ processInstanceKey: key } = await ctx.client.createProcessInstance({ bpmnProcessId, version, variables: {} }));
  } catch (err) {
    return { kind: 'not-started', reason: `CreateProcessInstance failed: ${firstLine(err)}` };
  }
  try {
    return await watch(ctx, key);
  } finally {
    await ctx.client.cancelProcessInstance(key).catch(() => undefined);
  }
}

async function watch(ctx: DriverContext, key: string): Promise<Outcome> {
  const { budgetMs, settleMs, pollMs, maxJobs } = ctx.options;
  const deadline = Date.now() + budgetMs;
  const supplied = new Map<string, WaitTarget>(); // element instance key → what was sent or completed for it
  const unavailable: Unavailable = {};
  let jobs = 0;
  let last = '';
  let changedAt = Date.now();
  for (;;) {
    const tree = await ctx.api<TreeInstance>(`/v1/history/process-instances/${key}`);
    if (!tree) return { kind: 'busy', detail: `instance ${key} is not in the engine's history` };
    const instances = flatten(tree);
    const done = progressText(jobs, [...supplied.values()]);
    if (tree.state === 'completed') return { kind: 'completed', detail: done };
    if (tree.state === 'terminated') return { kind: 'terminated', detail: done };
    const [incident, ...others] = openIncidents(instances);
    if (incident) return { kind: 'incident', incident, others: others.length };
    if (jobs >= maxJobs) return { kind: 'busy', detail: `still running after ${done}` };

    const completed = await completeJobs(ctx, instances);
    jobs += completed;
    const targets = await leafTargets(ctx, instances);
    const sent = await supply(ctx, targets, supplied, unavailable);
    const now = Date.now();
    const sig = signature(instances);
    if (completed + sent > 0 || sig !== last) {
      last = sig;
      changedAt = now;
    }
    const stable = now - changedAt >= settleMs;
    const timerDue = targets.some(({ target: t }) => t.kind === 'timer' && t.dueAt !== undefined && t.dueAt < deadline);
    if (stable && !timerDue) return { kind: 'waits', on: waitingOn(targets, supplied, unavailable) };
    if (now > deadline)
      return stable
        ? { kind: 'waits', on: waitingOn(targets, supplied, unavailable) }
        : { kind: 'busy', detail: `still moving after ${budgetMs} ms: ${done}` };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Activates and completes every activatable job of the types the instance (or the backlog) shows. */
async function completeJobs(ctx: DriverContext, instances: TreeInstance[]): Promise<number> {
  const backlog = (await ctx.api<Record<string, { activatable: number }>>('/v1/jobs/backlog')) ?? {};
  const types = new Set([
    ...pendingJobTypes(instances),
    ...Object.entries(backlog)
      .filter(([, b]) => b.activatable > 0)
      .map(([t]) => t),
  ]);
  let n = 0;
  for (const type of types) {
    const jobs = await ctx.client.activateJobs({
      type,
      worker: WORKER,
      timeout: 60_000,
      maxJobsToActivate: 32,
      requestTimeout: 50,
    });
    for (const job of jobs) {
      await ctx.client.completeJob({ jobKey: job.key, variables: {} });
      n++;
    }
  }
  return n;
}

/** Why Camunda user tasks could not be completed (the first reason seen). */
interface Unavailable {
  reason?: string;
}

interface LeafTarget {
  element: TreeElement;
  target: WaitTarget;
}

async function leafTargets(ctx: DriverContext, instances: TreeInstance[]): Promise<LeafTarget[]> {
  const out: LeafTarget[] = [];
  const views = new Map<string, ScopeView | undefined>();
  for (const { instance, element } of activeLeaves(instances)) {
    const model = ctx.models.get(instance.bpmnProcessId);
    let variables: Record<string, unknown> = {};
    if (!element.job) {
      if (!views.has(instance.processInstanceKey))
        views.set(
          instance.processInstanceKey,
          await ctx.api<ScopeView>(`/v1/process-instances/${instance.processInstanceKey}`),
        );
      variables = scopeVariables(views.get(instance.processInstanceKey), element.key);
    }
    const leaf = {
      elementId: element.elementId,
      kind: element.kind,
      startedAt: Date.parse(element.startedAt),
      ...(element.job ? { jobType: element.job.type } : {}),
    };
    for (const target of waitTargets(leaf, model, variables)) out.push({ element, target });
  }
  return out;
}

/** The variables an element sees: the root scope, then each flow scope down to the element itself. */
function scopeVariables(view: ScopeView | undefined, elementKey: string): Record<string, unknown> {
  if (!view) return {};
  const byKey = new Map(view.elements.map((e) => [e.key, e]));
  const chain: Record<string, unknown>[] = [];
  for (let e = byKey.get(elementKey); e; e = e.flowScopeKey ? byKey.get(e.flowScopeKey) : undefined)
    chain.unshift(e.variables);
  return Object.assign({}, view.variables, ...chain) as Record<string, unknown>;
}

/** Publishes the messages and broadcasts the signals not yet sent for their element instance. */
async function supply(
  ctx: DriverContext,
  targets: LeafTarget[],
  supplied: Map<string, WaitTarget>,
  unavailable: Unavailable,
): Promise<number> {
  let n = 0;
  for (const { element, target } of targets) {
    if (supplied.has(element.key)) continue;
    if (target.kind === 'message') {
      // A short time to live: the subscription may open an instant after the element shows as active.
      await ctx.client.publishMessage({
        name: target.name,
        correlationKey: target.correlationKey,
        variables: {},
        timeToLive: 5000,
      });
    } else if (target.kind === 'signal') {
      await ctx.client.broadcastSignal({ signalName: target.name, variables: {} });
    } else if (target.kind === 'user-task') {
      if (!(await completeUserTask(ctx, element.key, unavailable))) continue;
    } else continue;
    supplied.set(element.key, target);
    n++;
  }
  return n;
}

/**
 * Completes the Camunda user task of an element instance; false when there is none yet or the
 * engine does not serve the user-task API (the reason is kept for the outcome).
 */
async function completeUserTask(
  ctx: DriverContext,
  elementInstanceKey: string,
  unavailable: Unavailable,
): Promise<boolean> {
  if (!ctx.rest) {
    unavailable.reason ??= 'the engine has no REST port';
    return false;
  }
  try {
    const found = await ctx.rest.searchUserTasks({ filter: { elementInstanceKey, state: 'CREATED' } });
    const task = found.items[0];
    if (!task) return false;
    await ctx.rest.completeUserTask({ userTaskKey: task.userTaskKey, variables: {} });
    return true;
  } catch (err) {
    unavailable.reason ??= `REST user-task API: ${firstLine(err)}`;
    return false;
  }
}

function waitingOn(targets: LeafTarget[], supplied: Map<string, WaitTarget>, unavailable: Unavailable): string[] {
  const texts = targets.map(({ element, target }) => {
    const sent = supplied.get(element.key);
    const text = targetText(target);
    if (sent && targetText(sent) === text) return `${text} (sent, not correlated)`;
    return target.kind === 'user-task' && unavailable.reason ? `${text} (${unavailable.reason})` : text;
  });
  return [...new Set(texts)];
}

/** What the driver did for an instance: "completed 2 jobs, 1 user task; sent 1 message". */
function progressText(jobs: number, supplied: WaitTarget[]): string {
  const count = (n: number, what: string): string => (n === 1 ? `1 ${what}` : `${n} ${what}s`);
  const of = (kind: WaitTarget['kind']): number => supplied.filter((t) => t.kind === kind).length;
  const completed = [count(jobs, 'job'), ...(of('user-task') ? [count(of('user-task'), 'user task')] : [])];
  const sent = [
    ...(of('message') ? [count(of('message'), 'message')] : []),
    ...(of('signal') ? [count(of('signal'), 'signal')] : []),
  ];
  return `completed ${completed.join(', ')}${sent.length ? `; sent ${sent.join(', ')}` : ''}`;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
