// `explain INSTANCE`: the debugging view of one process instance (and the instances its call
// activities started) — where it is, what it did, which activities failed and why, the incident
// messages, the variables at the failure, the job's last error, and what to do about it. The
// same output from `procos explain` and `kubectl procos explain`; only the hints' words differ.
import type { ElementRecord, InstanceRecord } from '../../engine/monitoring/instance-history.js';
import { CommandError, EXIT, out, type Command } from './command.js';
import {
  parseEngineFlags,
  withEngine,
  type EngineConnection,
  type EngineHost,
  type Hints,
} from './engine-connection.js';
import type { IncidentView } from './incidents.js';
import { OUTPUT_FLAG, outputFormat, printData } from './output.js';

interface ActiveView {
  processInstanceKey: string;
  variables: Record<string, unknown>;
  elements: { key: string; elementId: string; kind: string; state: string; variables: Record<string, unknown> }[];
}

export interface Explanation {
  instance: InstanceRecord;
  /** Elements still active, deepest instance first. */
  waitingAt: { processInstanceKey: string; bpmnProcessId: string; element: ElementRecord; note: string }[];
  failures: { bpmnProcessId: string; element: ElementRecord }[];
  incidents: (IncidentView & { variables: Record<string, unknown>; fix: string })[];
}

/** What to do about an incident, by its type (Zeebe's error types). */
export function suggestFix(
  i: IncidentView,
  lastJobError: string | undefined,
  pool: string | undefined,
  hints: Hints,
): string {
  const resolve = `then: ${hints.program} incidents --resolve ${i.key}`;
  switch (i.errorType) {
    case 'JOB_NO_RETRIES':
      return (
        `the job's worker failed on every retry${lastJobError ? ` (last error: ${lastJobError})` : ''}. ` +
        `Fix the cause${pool ? ` (${hints.program} logs ${pool} shows the worker's side)` : ''}, ${resolve}`
      );
    case 'EXTRACT_VALUE_ERROR':
    case 'IO_MAPPING_ERROR':
    case 'CONDITION_ERROR':
      return `an expression of ${i.elementId} could not be evaluated: correct the BPMN (${hints.redeploy}) or give the instance the variable it needs, ${resolve}`;
    case 'UNHANDLED_ERROR_EVENT':
      return `a BPMN error was thrown and nothing catches it: add an error boundary event or error event subprocess for its code, ${resolve}`;
    case 'CALLED_ELEMENT_ERROR':
      return `the called process is not deployed: ${hints.addProcess}, ${resolve}`;
    default:
      return `see the message above; ${resolve}`;
  }
}

export async function explainInstance(system: EngineConnection, key: string): Promise<Explanation> {
  const history = await system.read(`/v1/history/process-instances/${key}`);
  if (history.status === 404)
    throw new CommandError(
      `instance ${key} is not known to the engine's history (it keeps the last 1000 instances since the engine started)`,
      EXIT.failed,
    );
  const instance = history.body as InstanceRecord;
  const incidents = (await system.read('/v1/incidents')).body as IncidentView[];
  const pools = await system.pools();
  const poolOf = (type: string): string | undefined => pools.find((p) => p.taskTypes.includes(type))?.name;
  const all: InstanceRecord[] = [];
  const walk = (i: InstanceRecord): void => {
    all.push(i);
    for (const c of i.children ?? []) walk(c);
  };
  walk(instance);
  const e: Explanation = { instance, waitingAt: [], failures: [], incidents: [] };
  for (const i of [...all].reverse()) {
    const active =
      i.state === 'active'
        ? ((await system.read(`/v1/process-instances/${i.processInstanceKey}`)).body as ActiveView)
        : undefined;
    for (const el of i.elements) {
      if (el.job && (el.job.failures.length || el.job.errorThrown))
        e.failures.push({ bpmnProcessId: i.bpmnProcessId, element: el });
      if (el.state !== 'active' || el.kind === 'callActivity' || el.kind === 'subProcess') continue;
      const note = el.job
        ? poolOf(el.job.type)
          ? `job ${el.job.type} (${el.job.state}${el.job.worker ? `, worker ${el.job.worker}` : ''}; pool ${poolOf(el.job.type) ?? ''})`
          : `job ${el.job.type} — no pool serves this job type: add it to a WorkerPool's taskTypes and handlers`
        : `${/^[aeiou]/.test(el.kind) ? 'an' : 'a'} ${el.kind} waiting for its event`;
      e.waitingAt.push({ processInstanceKey: i.processInstanceKey, bpmnProcessId: i.bpmnProcessId, element: el, note });
    }
    for (const inc of incidents.filter((x) => x.processInstanceKey === i.processInstanceKey)) {
      const scope = active?.elements.find((x) => x.key === inc.elementInstanceKey);
      const el = i.elements.find((x) => x.key === inc.elementInstanceKey);
      e.incidents.push({
        ...inc,
        variables: { ...(active?.variables ?? {}), ...(scope?.variables ?? {}) },
        fix: suggestFix(inc, el?.job?.failures.at(-1), el?.job ? poolOf(el.job.type) : undefined, system.hints),
      });
    }
  }
  return e;
}

const ms = (el: { startedAt: string; endedAt?: string }): string =>
  el.endedAt ? `${Date.parse(el.endedAt) - Date.parse(el.startedAt)} ms` : 'running';

export function explainCommandFor(host: EngineHost): Command {
  const program = host.hints.program;
  return {
    name: 'explain',
    summary: 'where an instance is and why',
    help: `  ${program} explain INSTANCE [-o json|yaml] ${host.flagsUsage}
                         Where an instance is and why: the path it took (with the instances its
                         call activities started), failed jobs and their last error, incidents
                         with the variables at the failure, and a suggested fix.`,
    async run(args) {
      const { values, hostFlags, positionals } = parseEngineFlags(host, args, OUTPUT_FLAG);
      const [key, ...extra] = positionals;
      if (!key || extra.length || !/^\d+$/.test(key))
        throw new CommandError(`usage: ${program} explain INSTANCE (a process instance key)`, EXIT.usage);
      const format = outputFormat(values.output);
      const e = await withEngine(host, hostFlags, (engine) => explainInstance(engine, key));
      if (!printData(format, e)) printExplanation(e);
      return EXIT.ok;
    },
  };
}

function printExplanation(e: Explanation): void {
  const i = e.instance;
  out(
    `instance ${i.processInstanceKey} of ${i.bpmnProcessId} version ${i.version}: ${i.state.toUpperCase()} (started ${i.startedAt}, ${ms(i)})`,
  );
  out();
  out('path:');
  const path = (r: InstanceRecord, depth: number): void => {
    for (const el of r.elements) {
      const mark =
        el.incident && !el.incident.resolved ? '✗' : el.state === 'active' ? '…' : el.state === 'completed' ? '✓' : '-';
      const job = el.job
        ? `  job ${el.job.type}${el.job.worker ? ` by ${el.job.worker}` : ''}${el.job.failures.length ? `, failed ${el.job.failures.length}×` : ''}`
        : '';
      out(`${'  '.repeat(depth + 1)}${mark} ${el.elementId} (${el.kind}) ${ms(el)}${job}`);
      const child = r.children?.find((c) => c.parentElementInstanceKey === el.key);
      if (child) {
        out(
          `${'  '.repeat(depth + 2)}→ ${child.bpmnProcessId} v${child.version} instance ${child.processInstanceKey} (${child.state})`,
        );
        path(child, depth + 2);
      }
    }
  };
  path(i, 0);
  if (e.waitingAt.length) {
    out();
    out('where it is:');
    for (const w of e.waitingAt)
      out(`  ${w.bpmnProcessId} ${w.processInstanceKey} at ${w.element.elementId}: ${w.note}`);
  }
  if (e.failures.length) {
    out();
    out('failed activities:');
    for (const f of e.failures) {
      const job = f.element.job;
      out(
        `  ${f.bpmnProcessId} ${f.element.elementId}: job ${job?.type ?? ''}, ${job?.failures.length ?? 0} failure(s)`,
      );
      if (job?.failures.length) out(`    last error: ${job.failures.at(-1) ?? ''}`);
      if (job?.errorThrown) out(`    threw BPMN error ${job.errorThrown.code}: ${job.errorThrown.message}`);
    }
  }
  for (const inc of e.incidents) {
    out();
    out(`incident ${inc.key} (${inc.errorType}) at ${inc.elementId}: ${inc.errorMessage}`);
    out('  variables at the failure:');
    for (const [k, v] of Object.entries(inc.variables)) out(`    ${k} = ${JSON.stringify(v).slice(0, 200)}`);
    out(`  suggested fix: ${inc.fix}`);
  }
  if (!e.incidents.length && i.state === 'active' && !e.waitingAt.length)
    out('\nnothing is stuck: the instance is working.');
}
