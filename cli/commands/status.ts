// `procos status`: what runs — processes and their versions, pools with their workers and
// backlog, open incidents, requests — read from the running system's status and its engine.
import { CommandError, EXIT, out, parseFlags, type Command } from './command.js';
import { conditionOf, LocalSystem, STATE_FLAG } from './local-system.js';
import { OUTPUT_FLAG, outputFormat, printData, table } from './output.js';

interface ProcessRow {
  name: string;
  bpmnProcessId?: string;
  version?: number;
  ready: string;
  reason: string;
  message: string;
}

interface PoolRow {
  name: string;
  ready: string;
  replicas: string;
  backlog: number;
  reason: string;
  message: string;
}

export const statusCommand: Command = {
  name: 'status',
  help: `  procos status [-o json|yaml] [--state-dir DIR]
                         What runs: processes (version, Ready and why), pools (workers ready of
                         wanted, job backlog), open incidents and where requests go in.
                         Exit 3 when no procos up runs with that state folder.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { ...STATE_FLAG, ...OUTPUT_FLAG });
    if (positionals.length)
      throw new CommandError(`status takes no arguments, got ${positionals.join(' ')}`, EXIT.usage);
    const format = outputFormat(values.output);
    const system = LocalSystem.find(values['state-dir']);
    const objects = system.objects();
    const processes: ProcessRow[] = objects
      .filter((o) => o.kind === 'ProcOSProcess')
      .map((o) => {
        const ready = conditionOf(o, 'Ready');
        const s = o.status as { bpmnProcessId?: string; version?: number } | undefined;
        return {
          name: o.metadata.name,
          bpmnProcessId: s?.bpmnProcessId,
          version: s?.version,
          ready: ready?.status ?? 'Unknown',
          reason: ready?.reason ?? '',
          message: ready?.message ?? '',
        };
      });
    const pools: PoolRow[] = objects
      .filter((o) => o.kind === 'WorkerPool')
      .map((o) => {
        const ready = conditionOf(o, 'Ready');
        const s = o.status as { readyReplicas?: number; desiredReplicas?: number; backlog?: number } | undefined;
        return {
          name: o.metadata.name,
          ready: ready?.status ?? 'Unknown',
          replicas: `${s?.readyReplicas ?? 0}/${s?.desiredReplicas ?? 0}`,
          backlog: s?.backlog ?? 0,
          reason: ready?.reason ?? '',
          message: ready?.message ?? '',
        };
      });
    const incidents = (await system.read('/v1/incidents')).body as unknown[];
    const report = {
      engine: system.record.engineAddress,
      ingress: system.record.ingressUrl,
      folder: system.record.dir,
      processes,
      pools,
      incidents: incidents.length,
    };
    if (printData(format, report)) {
      await system.close();
      return EXIT.ok;
    }
    out(
      `ProcOS on this machine: engine grpc://${report.engine}, requests ${report.ingress ?? '-'}/requests, folder ${report.folder}`,
    );
    out();
    for (const line of table([
      ['PROCESS', 'ID', 'VERSION', 'READY', 'REASON'],
      ...processes.map((p) => [p.name, p.bpmnProcessId ?? '-', String(p.version ?? '-'), p.ready, p.reason]),
    ]))
      out(line);
    out();
    for (const line of table([
      ['POOL', 'WORKERS', 'BACKLOG', 'READY', 'REASON'],
      ...pools.map((p) => [p.name, p.replicas, String(p.backlog), p.ready, p.reason]),
    ]))
      out(line);
    out();
    out(`incidents: ${incidents.length}${incidents.length ? ' (procos incidents)' : ''}`);
    for (const p of [...processes, ...pools].filter((x) => x.ready !== 'True'))
      out(`not ready: ${p.name}: ${p.message}`);
    await system.close();
    return EXIT.ok;
  },
};
