// `kubectl procos get [NAME]`: the processes of a namespace (or all, -A) as a tree — versions,
// the job types of each, and the WorkerPools serving them with readiness and backlog, from the
// status the operator writes. --instances adds the running instances per version from the engine.
import { compileBpmn } from '../../lib/bpmn/index.js';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { CommandError, EXIT, out, parseFlags, type Command } from '../commands/command.js';
import { withEngine } from '../commands/engine-connection.js';
import { OUTPUT_FLAG, outputFormat, printData } from '../commands/output.js';
import { Cluster, CLUSTER_FLAGS } from './cluster.js';
import { clusterEngine, ENGINE_FLAGS } from './cluster-engine.js';
import { buildTree, treeText, type PoolObject, type ProcessObject, type RunningInstances } from './process-tree.js';

type Process = KubeObject & ProcessObject & { spec?: { bpmn?: { inline?: string } } };

async function specTaskTypes(processes: Process[]): Promise<Map<Process, string[]>> {
  const types = new Map<Process, string[]>();
  for (const p of processes) {
    const xml = p.status?.version ? undefined : p.spec?.bpmn?.inline;
    if (!xml) continue;
    const compiled = await compileBpmn(xml).catch(() => undefined);
    const [only] = compiled?.processes ?? [];
    if (only) types.set(p, only.jobTypes);
  }
  return types;
}

async function runningInstances(flags: Record<string, unknown>): Promise<RunningInstances[]> {
  return withEngine(clusterEngine, flags, async (engine) => {
    // The engine's live instances: completed ones are no longer in its state.
    const body = (await engine.read('/v1/process-instances')).body as { bpmnProcessId?: string; version?: number }[];
    const counts = new Map<string, RunningInstances>();
    for (const i of body) {
      if (!i.bpmnProcessId || i.version === undefined) continue;
      const key = `${i.bpmnProcessId}@${i.version}`;
      const entry = counts.get(key) ?? { bpmnProcessId: i.bpmnProcessId, version: i.version, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    return [...counts.values()];
  });
}

export const getCommand: Command = {
  name: 'get',
  summary: 'processes as a tree: versions, job types, pools',
  help: `  kubectl procos get [PROCESS] [-n NS | -A] [--instances] [-o json|yaml]
                         The processes as a tree: process → versions → job types → the
                         WorkerPools serving each type, with readiness, workers and backlog
                         (as the operator last reported them). PROCESS narrows it to one
                         ProcOSProcess. --instances adds the instances running per version, read
                         from the engine (see run for how it is found).`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...CLUSTER_FLAGS,
      ...ENGINE_FLAGS,
      ...OUTPUT_FLAG,
      instances: { type: 'boolean', default: false },
    });
    const [name, ...extra] = positionals;
    if (extra.length) throw new CommandError('usage: kubectl procos get [PROCESS]', EXIT.usage);
    const format = outputFormat(values.output);
    const cluster = await Cluster.connect(values);
    const [all, pools] = await Promise.all([
      cluster.list<Process>('procosprocesses'),
      cluster.list<KubeObject & PoolObject>('workerpools'),
    ]);
    const processes = name ? all.filter((p) => p.metadata.name === name) : all;
    if (name && !processes.length)
      throw new CommandError(
        `no ProcOSProcess ${name} ${cluster.namespace ? `in namespace ${cluster.namespace}` : 'in any namespace'}`,
        EXIT.failed,
      );
    const spec = await specTaskTypes(processes);
    const tree = buildTree(processes, pools, {
      running: values.instances ? await runningInstances(values) : undefined,
      specTaskTypes: (p) => spec.get(p as Process),
    });
    // One process: the pools of its job types, not the namespace's others.
    if (name) tree.otherPools = [];
    if (printData(format, tree)) return EXIT.ok;
    if (!tree.processes.length && !tree.otherPools.length) {
      out(
        `no ProcOSProcesses or WorkerPools ${cluster.namespace ? `in namespace ${cluster.namespace}` : 'in any namespace'}`,
      );
      return EXIT.ok;
    }
    for (const line of treeText(tree, !cluster.namespace)) out(line);
    return EXIT.ok;
  },
};
