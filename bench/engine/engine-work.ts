// bench/engine/engine-work: the engine's own CPU per job of hello with no protocol at all — the
// commands a gRPC call would run (create, activate, complete) called in process on a durable log,
// a batch of instances per event-loop turn as under load. What `cost-per-job` measures minus the
// gRPC edge: where the engine's share of a job goes. Prints µs per job and events/bytes per job.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lib/cli/version.js';
import { Engine } from '../../engine/processor/engine.js';
import { SqliteEventLog } from '../../engine/log/event-log.js';
import { deployResources } from '../../engine/commands/deploy.js';
import { createProcessInstance } from '../../engine/commands/create-instance.js';
import { activateJobs } from '../../engine/commands/activate-jobs.js';
import { completeJob } from '../../engine/commands/complete-job.js';
import type { EngineEvent } from '../../engine/state/events.js';
import { InstanceHistory } from '../../engine/monitoring/instance-history.js';

const BATCH = 64;

export async function engineWorkPerJob(
  instances: number,
  withHistory: boolean,
): Promise<{ us: number; events: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'procos-bench-work-'));
  const engine = await Engine.open(new SqliteEventLog(dir));
  if (withHistory) new InstanceHistory(engine); // as procos-engine keeps it
  try {
    let events = 0;
    engine.on('committed', (batch: readonly EngineEvent[]) => (events += batch.length));
    const logBytes = () => {
      const db = new Database(join(dir, 'events.sqlite'), { readonly: true });
      const row = db.prepare('SELECT COALESCE(SUM(LENGTH(events)), 0) AS bytes FROM batches').get() as {
        bytes: number;
      };
      db.close();
      return row.bytes;
    };
    await deployResources(engine, [
      { name: 'hello.bpmn', content: readFileSync(join(projectRoot(), 'processes/hello.bpmn')) },
    ]);
    const run = async (n: number) => {
      for (let done = 0; done < n; done += BATCH) {
        for (let i = 0; i < BATCH; i++)
          createProcessInstance(engine, {
            processDefinitionKey: 0,
            bpmnProcessId: 'hello',
            version: -1,
            variables: JSON.stringify({ name: `n${done + i}` }),
            startElementIds: [],
          });
        await engine.durable();
        for (const type of ['hello.greet', 'hello.reply']) {
          for (;;) {
            const jobs = activateJobs(engine, {
              type,
              worker: 'w',
              timeoutMs: 60_000,
              maxJobs: 32,
              fetchVariables: [],
            });
            if (!jobs.length) break;
            await engine.durable();
            for (const job of jobs) {
              const vars = JSON.parse(job.variables) as { name: string };
              completeJob(
                engine,
                job.key,
                JSON.stringify(type === 'hello.greet' ? { greeting: `Hello, ${vars.name}!` } : { reply: 'ok' }),
              );
            }
            await engine.durable();
          }
        }
      }
    };
    await run(1000);
    const [events0, bytes0] = [events, logBytes()];
    const cpu0 = process.cpuUsage();
    await run(instances);
    const cpu = process.cpuUsage(cpu0);
    const jobs = 2 * instances;
    return {
      us: (cpu.user + cpu.system) / jobs,
      events: (events - events0) / jobs,
      bytes: (logBytes() - bytes0) / jobs,
    };
  } finally {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const n = Number(process.argv[2] ?? 10_000);
  for (let round = 0; round < 3; round++) {
    for (const withHistory of [false, true]) {
      const r = await engineWorkPerJob(n, withHistory);
      console.log(
        `engine work${withHistory ? ' with the instance history' : ''}: ${r.us.toFixed(1)} µs CPU per job of hello; ${r.events.toFixed(1)} events, ${r.bytes.toFixed(0)} bytes of log per job`,
      );
    }
  }
}
