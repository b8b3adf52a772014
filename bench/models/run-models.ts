// How many real public Camunda 8 models (engine/testdata/real-models, see SOURCES.md there)
// procos-engine deploys and runs (issue 14). Starts a real engine, deploys every model through
// the official SDK, then starts each deployed process that has a none start event and drives
// it generically (instance-driver.ts). Prints a table, the summary line and the refusals grouped.
//
//   npx tsx bench/models/run-models.ts [--json | --json=FILE] [--only=TEXT] [--budget-ms=N] [--label=TEXT]
//
// --json prints the report as JSON instead of the table; --json=FILE prints the table and writes
// the JSON to FILE (for comparing runs). --only runs the models whose path contains TEXT.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBpmn, noneStartEvent, type ProcessModel } from '../../lib/bpmn/index.js';
import { startHarness } from '../../engine/testing/engine-harness.js';
import { restClient } from './rest-client.js';
import { DEFAULT_DRIVER_OPTIONS, driveInstance, type DriverContext } from './instance-driver.js';
import { combine, type ModelResult, type Outcome } from './outcome.js';
import { buildReport, formatReport, type SupportDeploy } from './report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const collection = join(root, 'engine/testdata/real-models');

interface Args {
  json: boolean | string;
  only?: string;
  budgetMs: number;
  label?: string;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const unknown = argv.filter((a) => !/^--(json|only|budget-ms|label)(=|$)/.test(a));
  if (unknown.length) throw new Error(`unknown argument(s): ${unknown.join(' ')}`);
  const budget = Number(value('budget-ms') ?? DEFAULT_DRIVER_OPTIONS.budgetMs);
  if (!Number.isFinite(budget) || budget <= 0) throw new Error('--budget-ms wants a positive number');
  return {
    json: value('json') ?? argv.includes('--json'),
    only: value('only'),
    budgetMs: budget,
    label: value('label'),
  };
}

function collectionFiles(dir: string, extension: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(extension))
    .map((e) => relative(collection, join(e.parentPath, e.name)))
    .sort();
}

function engineVersion(label: string | undefined): { commit: string; dirty: boolean } {
  if (label) return { commit: label, dirty: false };
  try {
    const git = (...a: string[]): string => execFileSync('git', ['-C', root, ...a], { encoding: 'utf8' }).trim();
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      dirty: git('status', '--porcelain', '--', 'engine', 'lib') !== '',
    };
  } catch {
    return { commit: 'unknown (not a git checkout; pass --label)', dirty: false };
  }
}

interface Deployed {
  model: string;
  processes: { bpmnProcessId: string; version: number }[];
  compiled: ProcessModel[];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const files = collectionFiles(collection, '.bpmn').filter((f) => !args.only || f.includes(args.only));
  const h = await startHarness({ restPort: 0 });
  const client = h.client();
  // An engine without a REST port ignores the option; Camunda user tasks then stay waiting.
  const restPort = (h.running as { restPort?: number }).restPort;
  const rest = restPort === undefined ? undefined : restClient(restPort);
  const api = async <T>(path: string): Promise<T | undefined> => {
    const res = await fetch(`http://127.0.0.1:${h.running.monitoringPort}${path}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  try {
    // The decisions and forms the models use come first; every model is deployed before any
    // runs, so call activities find the processes of other files.
    const support = await deploySupport(client);
    const refused = new Map<string, string>();
    const deployed: Deployed[] = [];
    for (const model of files) {
      const xml = readFileSync(join(collection, model));
      try {
        const r = await client.deployResource({ name: model, process: xml });
        // Only .bpmn files are deployed, so every deployment entry is a process.
        const processes = r.deployments.map((d) => ({
          bpmnProcessId: d.process.bpmnProcessId,
          version: d.process.version,
        }));
        deployed.push({ model, processes, compiled: (await compileBpmn(xml.toString())).processes });
      } catch (err) {
        refused.set(model, err instanceof Error ? err.message : String(err));
      }
    }
    const models = new Map(deployed.flatMap((d) => d.compiled.map((p) => [p.id, p] as const)));
    const ctx: DriverContext = {
      client,
      rest,
      api,
      models,
      options: { ...DEFAULT_DRIVER_OPTIONS, budgetMs: args.budgetMs },
    };
    const results: ModelResult[] = [];
    for (const model of files) {
      const reason = refused.get(model);
      const d = deployed.find((x) => x.model === model);
      if (reason !== undefined || !d) {
        results.push({ model, deployed: false, processIds: [], outcome: { kind: 'refused', reason: reason ?? '?' } });
        continue;
      }
      results.push({
        model,
        deployed: true,
        processIds: d.processes.map((p) => p.bpmnProcessId),
        outcome: await runModel(ctx, d),
      });
      if (!args.json || typeof args.json === 'string') process.stderr.write('.');
    }
    process.stderr.write('\n');
    const report = buildReport(results, support, engineVersion(args.label), new Date());
    if (args.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      process.stdout.write(formatReport(report));
      if (typeof args.json === 'string') writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    }
  } finally {
    await h.stop();
  }
}

/** The DMN and form files of the collection (business rule tasks, linked forms). */
async function deploySupport(client: DriverContext['client']): Promise<SupportDeploy[]> {
  const files = [...collectionFiles(collection, '.dmn'), ...collectionFiles(collection, '.form')];
  const out: SupportDeploy[] = [];
  for (const file of files) {
    const content = readFileSync(join(collection, file));
    try {
      if (file.endsWith('.dmn')) await client.deployResource({ name: file, decision: content });
      else await client.deployResource({ name: file, form: content });
      out.push({ file, deployed: true });
    } catch (err) {
      out.push({ file, deployed: false, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

/** Starts each deployed process that has a none start event; the others are reported as not started. */
async function runModel(ctx: DriverContext, d: Deployed): Promise<Outcome> {
  const startable = d.processes.filter((p) => {
    const m = d.compiled.find((c) => c.id === p.bpmnProcessId);
    return m !== undefined && noneStartEvent(m) !== undefined;
  });
  if (startable.length === 0) return { kind: 'not-started', reason: `no none start event (${startKinds(d)})` };
  const outcomes: { processId: string; outcome: Outcome }[] = [];
  for (const p of startable)
    outcomes.push({ processId: p.bpmnProcessId, outcome: await driveInstance(ctx, p.bpmnProcessId, p.version) });
  return combine(outcomes);
}

function startKinds(d: Deployed): string {
  const kinds = d.compiled.flatMap((m) =>
    (m.startEvents.get(m.id) ?? []).map((id) => `${m.elements.get(id)?.event.kind ?? '?'} start`),
  );
  return kinds.length ? [...new Set(kinds)].join(', ') : 'no start event';
}

await main();
