// `kubectl procos status`: processes (version, Ready and why) and pools (workers, backlog) of a
// namespace or of all (-A), from their status as the operator writes it.
import { CommandError, EXIT, out, parseFlags, type Command } from '../commands/command.js';
import { OUTPUT_FLAG, outputFormat, printData, table } from '../commands/output.js';
import type { Condition } from '../../operator/runtime/conditions.js';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { Cluster, CLUSTER_FLAGS } from './cluster.js';

type Obj = KubeObject & {
  status?: {
    conditions?: Condition[];
    bpmnProcessId?: string;
    version?: number;
    readyReplicas?: number;
    desiredReplicas?: number;
    backlog?: number;
  };
};
const ready = (o: Obj): Condition | undefined => o.status?.conditions?.find((c) => c.type === 'Ready');

export const clusterStatusCommand: Command = {
  name: 'status',
  summary: 'processes and pools, Ready and why',
  help: `  kubectl procos status [-n NS | -A] [-o json|yaml]
                         ProcOSProcesses (id, version, Ready and why) and WorkerPools (workers
                         ready of wanted, backlog, Ready and why). Exit 3 when the cluster does
                         not answer or has no ProcOS CRDs.`,
  async run(args) {
    const { values } = parseFlags(args, { ...CLUSTER_FLAGS, ...OUTPUT_FLAG });
    const format = outputFormat(values.output);
    const cluster = await Cluster.connect(values);
    const [processes, pools] = await Promise.all([
      cluster.list<Obj>('procosprocesses'),
      cluster.list<Obj>('workerpools'),
    ]);
    const report = {
      namespace: cluster.namespace ?? null,
      processes: processes.map((p) => ({
        namespace: p.metadata.namespace,
        name: p.metadata.name,
        bpmnProcessId: p.status?.bpmnProcessId,
        version: p.status?.version,
        ready: ready(p)?.status ?? 'Unknown',
        reason: ready(p)?.reason ?? '',
        message: ready(p)?.message ?? '',
      })),
      pools: pools.map((p) => ({
        namespace: p.metadata.namespace,
        name: p.metadata.name,
        replicas: `${String(p.status?.readyReplicas ?? 0)}/${String(p.status?.desiredReplicas ?? 0)}`,
        backlog: p.status?.backlog ?? 0,
        ready: ready(p)?.status ?? 'Unknown',
        reason: ready(p)?.reason ?? '',
        message: ready(p)?.message ?? '',
      })),
    };
    if (printData(format, report)) return EXIT.ok;
    const ns = (n?: string): string[] => (cluster.namespace ? [] : [n ?? '']);
    const nsHead = cluster.namespace ? [] : ['NAMESPACE'];
    if (!processes.length && !pools.length) {
      // A namespace typed wrong lists as empty (as kubectl's does): say that it does not exist.
      if (cluster.namespace && !(await cluster.getOf('v1', 'namespaces', undefined, cluster.namespace)))
        throw new CommandError(
          `namespace ${cluster.namespace} does not exist in this cluster (kubectl get namespaces lists them)`,
          EXIT.failed,
        );
      out(
        `no ProcOSProcesses or WorkerPools ${cluster.namespace ? `in namespace ${cluster.namespace}` : 'in any namespace'}`,
      );
      return EXIT.ok;
    }
    for (const line of table([
      [...nsHead, 'PROCESS', 'ID', 'VERSION', 'READY', 'REASON'],
      ...report.processes.map((p) => [
        ...ns(p.namespace),
        p.name,
        p.bpmnProcessId ?? '-',
        String(p.version ?? '-'),
        p.ready,
        p.reason,
      ]),
    ]))
      out(line);
    out();
    for (const line of table([
      [...nsHead, 'POOL', 'WORKERS', 'BACKLOG', 'READY', 'REASON'],
      ...report.pools.map((p) => [...ns(p.namespace), p.name, p.replicas, String(p.backlog), p.ready, p.reason]),
    ]))
      out(line);
    for (const x of [...report.processes, ...report.pools].filter((x) => x.ready !== 'True'))
      out(`not ready: ${x.namespace ?? ''}/${x.name}: ${x.message || 'not reconciled yet (is the operator running?)'}`);
    return EXIT.ok;
  },
};
