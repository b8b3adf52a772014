// `backlog`: the jobs waiting per job type (procos-engine's /v1/jobs/backlog, what the pool
// scaler reads) and the WorkerPool(s) that serve each type — or that none does, which is why
// jobs pile up.
import { CommandError, EXIT, out, type Command } from './command.js';
import { parseEngineFlags, withEngine, type EngineHost, type PoolRef } from './engine-connection.js';
import { OUTPUT_FLAG, outputFormat, printData, table } from './output.js';

export interface BacklogRow {
  jobType: string;
  /** Activatable jobs: waiting for a worker. */
  waiting: number;
  /** Jobs a worker holds now. */
  active: number;
  /** Age of the oldest waiting job, in seconds. */
  oldestWaitingSeconds: number;
  pools: string[];
}

type EngineBacklog = Record<string, { activatable?: number; activated?: number; oldestAgeMs?: number } | undefined>;

/** One row per job type the engine has jobs of or a pool serves; most waiting first. */
export function backlogRows(engine: EngineBacklog, pools: PoolRef[]): BacklogRow[] {
  const types = new Set([...Object.keys(engine), ...pools.flatMap((p) => p.taskTypes)]);
  return [...types]
    .map((jobType) => ({
      jobType,
      waiting: engine[jobType]?.activatable ?? 0,
      active: engine[jobType]?.activated ?? 0,
      oldestWaitingSeconds: Math.round((engine[jobType]?.oldestAgeMs ?? 0) / 1000),
      pools: pools.filter((p) => p.taskTypes.includes(jobType)).map((p) => p.name),
    }))
    .sort((a, b) => b.waiting - a.waiting || a.jobType.localeCompare(b.jobType));
}

export function backlogCommandFor(host: EngineHost): Command {
  const program = host.hints.program;
  return {
    name: 'backlog',
    summary: 'jobs waiting per job type, and who serves them',
    help: `  ${program} backlog [-o json|yaml] ${host.flagsUsage}
                         Jobs waiting per job type (and held by workers, and how long the oldest
                         has waited), with the WorkerPool(s) serving each type: a type no pool
                         serves keeps its jobs waiting. Needs procos-engine's read API.`,
    async run(args) {
      const { values, hostFlags, positionals } = parseEngineFlags(host, args, OUTPUT_FLAG);
      if (positionals.length)
        throw new CommandError(`backlog takes no arguments, got ${positionals.join(' ')}`, EXIT.usage);
      const format = outputFormat(values.output);
      const rows = await withEngine(host, hostFlags, async (engine) => {
        const [reading, pools] = await Promise.all([engine.read('/v1/jobs/backlog'), engine.pools()]);
        return backlogRows(reading.body as EngineBacklog, pools);
      });
      if (printData(format, rows)) return EXIT.ok;
      if (!rows.length) {
        out('no jobs, and no WorkerPool serves any job type');
        return EXIT.ok;
      }
      for (const line of table([
        ['JOB TYPE', 'WAITING', 'ACTIVE', 'OLDEST', 'SERVED BY'],
        ...rows.map((r) => [
          r.jobType,
          String(r.waiting),
          String(r.active),
          r.waiting ? `${r.oldestWaitingSeconds}s` : '-',
          r.pools.join(', ') || '(no WorkerPool: jobs wait until one serves this type)',
        ]),
      ]))
        out(line);
      return EXIT.ok;
    },
  };
}
