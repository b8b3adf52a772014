// What `kubectl procos get` shows: each process → its versions → the job types of a version →
// the WorkerPools serving each type (in the process's namespace), with readiness and backlog.
// Pure: built from the objects as listed (and running instances when the engine was asked).
import type { Condition } from '../../operator/runtime/conditions.js';

export interface ProcessObject {
  metadata: { name: string; namespace?: string; generation?: number };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    bpmnProcessId?: string;
    version?: number;
    taskTypes?: string[];
  };
}

export interface PoolObject {
  metadata: { name: string; namespace?: string };
  spec?: { taskTypes?: string[] };
  status?: {
    conditions?: Condition[];
    readyReplicas?: number;
    desiredReplicas?: number;
    backlog?: number;
    backlogByType?: { taskType: string; backlog: number }[];
  };
}

/** Instances the engine runs now, by process and version. */
export interface RunningInstances {
  bpmnProcessId: string;
  version: number;
  count: number;
}

export interface Readiness {
  status: string;
  reason: string;
  message: string;
}

export interface TreePool {
  namespace: string;
  name: string;
  ready: Readiness;
  readyWorkers: number;
  desiredWorkers: number;
  /** The pool's whole backlog, as the operator last read it. */
  backlog: number;
}

export interface TreeJobType {
  type: string;
  /** Jobs of this type waiting, as the serving pool last read it (unknown when no pool serves it). */
  backlog?: number;
  pools: TreePool[];
}

export interface TreeVersion {
  version: number;
  /** The version the ProcOSProcess deploys now (older ones only run their instances out). */
  latest: boolean;
  runningInstances?: number;
  /** Known for the latest version (status.taskTypes); older versions' BPMN is not in the cluster. */
  jobTypes: TreeJobType[];
}

export interface TreeProcess {
  namespace: string;
  name: string;
  bpmnProcessId?: string;
  ready: Readiness;
  /** The spec changed since the operator last reported (observedGeneration behind). */
  pending: boolean;
  versions: TreeVersion[];
  /** Job types of the spec when nothing was deployed yet (read from the BPMN). */
  specJobTypes?: TreeJobType[];
}

export interface ProcessTree {
  processes: TreeProcess[];
  /** Pools whose job types no process of their namespace uses. */
  otherPools: TreePool[];
}

const readiness = (conditions: Condition[] | undefined): Readiness => {
  const c = conditions?.find((x) => x.type === 'Ready');
  return { status: c?.status ?? 'Unknown', reason: c?.reason ?? '', message: c?.message ?? '' };
};

function treePool(p: PoolObject): TreePool {
  return {
    namespace: p.metadata.namespace ?? '',
    name: p.metadata.name,
    ready: readiness(p.status?.conditions),
    readyWorkers: p.status?.readyReplicas ?? 0,
    desiredWorkers: p.status?.desiredReplicas ?? 0,
    backlog: p.status?.backlog ?? 0,
  };
}

export function buildTree(
  processes: ProcessObject[],
  pools: PoolObject[],
  o: {
    running?: RunningInstances[];
    /** Job types of a process's spec (its inline BPMN), for processes not deployed yet. */
    specTaskTypes?: (p: ProcessObject) => string[] | undefined;
  } = {},
): ProcessTree {
  const jobType = (namespace: string, type: string): TreeJobType => {
    const serving = pools.filter(
      (p) => (p.metadata.namespace ?? '') === namespace && p.spec?.taskTypes?.includes(type),
    );
    const counts = serving.flatMap((p) => p.status?.backlogByType?.filter((b) => b.taskType === type) ?? []);
    return {
      type,
      ...(counts.length ? { backlog: Math.max(...counts.map((b) => b.backlog)) } : {}),
      pools: serving.map(treePool),
    };
  };
  const used = new Set<string>();
  const tree = processes.map((p): TreeProcess => {
    const namespace = p.metadata.namespace ?? '';
    const s = p.status;
    const running = (o.running ?? []).filter((r) => s?.bpmnProcessId && r.bpmnProcessId === s.bpmnProcessId);
    const versions = new Set([...(s?.version ? [s.version] : []), ...running.map((r) => r.version)]);
    const types = s?.taskTypes ?? [];
    for (const t of types) used.add(`${namespace}/${t}`);
    const specTypes = s?.version ? undefined : o.specTaskTypes?.(p);
    for (const t of specTypes ?? []) used.add(`${namespace}/${t}`);
    return {
      namespace,
      name: p.metadata.name,
      bpmnProcessId: s?.bpmnProcessId,
      ready: readiness(s?.conditions),
      pending: s?.observedGeneration !== undefined && s.observedGeneration !== p.metadata.generation,
      versions: [...versions]
        .sort((a, b) => b - a)
        .map((version) => {
          const latest = version === s?.version;
          const count = running.find((r) => r.version === version)?.count;
          return {
            version,
            latest,
            ...(o.running ? { runningInstances: count ?? 0 } : {}),
            jobTypes: latest ? types.map((t) => jobType(namespace, t)) : [],
          };
        }),
      ...(specTypes ? { specJobTypes: specTypes.map((t) => jobType(namespace, t)) } : {}),
    };
  });
  const otherPools = pools
    .filter((p) => !(p.spec?.taskTypes ?? []).some((t) => used.has(`${p.metadata.namespace ?? ''}/${t}`)))
    .map(treePool);
  return { processes: tree, otherPools };
}

export interface TextNode {
  label: string;
  children?: TextNode[];
}

/** Lines of a tree drawn with box characters, as `tree` and `kubectl tree` draw them. */
export function drawTree(roots: TextNode[]): string[] {
  const lines: string[] = [];
  const walk = (node: TextNode, prefix: string, last: boolean, root: boolean): void => {
    lines.push(root ? node.label : `${prefix}${last ? '└── ' : '├── '}${node.label}`);
    const kids = node.children ?? [];
    const next = root ? '' : `${prefix}${last ? '    ' : '│   '}`;
    kids.forEach((k, i) => walk(k, next, i === kids.length - 1, false));
  };
  for (const r of roots) walk(r, '', true, true);
  return lines;
}

const readyText = (r: Readiness): string =>
  r.status === 'True' ? 'Ready' : r.status === 'False' ? `not ready: ${r.reason}` : 'not reconciled yet';

function poolNode(p: TreePool, qualify: boolean): TextNode {
  const name = qualify ? `${p.namespace}/${p.name}` : p.name;
  return {
    label: `pool ${name}  ${readyText(p.ready)} · ${p.readyWorkers}/${p.desiredWorkers} workers · backlog ${p.backlog}`,
  };
}

function jobTypeNode(t: TreeJobType, qualify: boolean): TextNode {
  return {
    label: `job type ${t.type}${t.backlog === undefined ? '' : ` · ${t.backlog} waiting`}`,
    children: t.pools.length
      ? t.pools.map((p) => poolNode(p, qualify))
      : [{ label: 'no WorkerPool serves it: its jobs wait' }],
  };
}

/** The tree as text; `qualify` names namespaces (-A). */
export function treeText(tree: ProcessTree, qualify: boolean): string[] {
  const roots: TextNode[] = tree.processes.map((p) => {
    const name = qualify ? `${p.namespace}/${p.name}` : p.name;
    const children: TextNode[] = p.versions.map((v) => ({
      label:
        `version ${v.version}${v.latest ? ' (latest)' : ''}` +
        (v.runningInstances === undefined ? '' : ` · ${v.runningInstances} running`),
      children: v.jobTypes.map((t) => jobTypeNode(t, qualify)),
    }));
    if (!p.versions.length)
      children.push({
        label: 'not deployed yet',
        children: (p.specJobTypes ?? []).map((t) => jobTypeNode(t, qualify)),
      });
    const why = p.ready.status === 'True' || !p.ready.message ? '' : ` (${p.ready.message})`;
    return {
      label:
        `process ${name}${p.bpmnProcessId ? ` (id ${p.bpmnProcessId})` : ''}  ${readyText(p.ready)}${why}` +
        (p.pending ? ' · spec changed, not reconciled yet' : ''),
      children,
    };
  });
  if (tree.otherPools.length)
    roots.push({
      label: 'pools serving no process here',
      children: tree.otherPools.map((p) => poolNode(p, qualify)),
    });
  return drawTree(roots);
}
