// The printed result of a run: one row per model, the summary line, the refusals grouped.
import { outcomeText, summarize, summaryLine, type ModelResult, type Summary } from './outcome.js';
import { groupRefusals, type RefusalGroup } from './refusal-reasons.js';

/** A DMN or form file of the collection, deployed before the models (business rule tasks, linked forms). */
export interface SupportDeploy {
  file: string;
  deployed: boolean;
  reason?: string;
}

export interface RunReport {
  /** The engine measured: the commit of the checkout the run used, and whether it had local changes. */
  engine: { commit: string; dirty: boolean };
  date: string;
  summary: Summary;
  line: string;
  support: SupportDeploy[];
  refusals: RefusalGroup[];
  models: (ModelResult & { text: string })[];
}

export function buildReport(
  results: ModelResult[],
  support: SupportDeploy[],
  engine: RunReport['engine'],
  date: Date,
): RunReport {
  const summary = summarize(results);
  return {
    engine,
    date: date.toISOString(),
    summary,
    line: summaryLine(summary),
    support,
    refusals: groupRefusals(
      results.flatMap((r) => (r.outcome.kind === 'refused' ? [{ model: r.model, message: r.outcome.reason }] : [])),
    ),
    models: results.map((r) => ({ ...r, text: outcomeText(r.outcome) })),
  };
}

const REASON_WIDTH = 140;

export function formatReport(report: RunReport): string {
  const rows = report.models.map((m) => [
    m.model,
    m.deployed ? 'yes' : 'no',
    m.outcome.kind,
    oneLine(m.outcome.kind === 'refused' ? refusalText(m.text) : m.text),
  ]);
  const header = ['model', 'deploys?', 'outcome', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i < 3 ? (r[i]?.length ?? 0) : 0))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c))
      .join('  ')
      .trimEnd();
  const incidentTypes = new Map<string, number>();
  for (const m of report.models)
    if (m.outcome.kind === 'incident')
      incidentTypes.set(m.outcome.incident.errorType, (incidentTypes.get(m.outcome.incident.errorType) ?? 0) + 1);
  const groups = report.refusals.map(
    (g) => `  ${String(g.models.length).padStart(3)} model(s), ${String(g.occurrences).padStart(3)}×  ${g.reason}`,
  );
  const support = report.support.filter((d) => d.deployed).length;
  return [
    `procos-engine ${report.engine.commit}${report.engine.dirty ? ' (with local changes)' : ''}, ${report.date}`,
    `decisions and forms the models use: ${support}/${report.support.length} deployed`,
    ...report.support
      .filter((d) => !d.deployed)
      .map((d) => `  refused ${d.file}: ${oneLine(refusalText(d.reason ?? ''))}`),
    '',
    line(header),
    line(header.map((_h, i) => '-'.repeat(i < 3 ? (widths[i] ?? 0) : 6))),
    ...rows.map(line),
    '',
    report.line,
    '',
    'refusal reasons (by models affected):',
    ...(groups.length ? groups : ['  none']),
    '',
    'incidents by type:',
    ...(incidentTypes.size
      ? [...incidentTypes].sort((a, b) => b[1] - a[1]).map(([type, n]) => `  ${String(n).padStart(3)}  ${type}`)
      : ['  none']),
    '',
  ].join('\n');
}

/** A refusal in the table: its first problem, and how many more there are. */
function refusalText(message: string): string {
  const problems = message.split('\n').filter((l) => l.startsWith('- '));
  const first = problems[0]?.slice(2) ?? message.split('\n')[0] ?? message;
  return problems.length > 1 ? `${first} (+${problems.length - 1} more)` : first;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > REASON_WIDTH ? `${flat.slice(0, REASON_WIDTH - 1)}…` : flat;
}
