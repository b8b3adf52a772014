// Why deploys were refused, grouped across models: which missing features cost the most models
// (what to implement first). A refusal lists one problem per line ("- line 12, element 'X': …
// [rule]"); the element, line, quoted names and <references> are dropped so the same problem
// groups together.

export interface RefusalGroup {
  /** The problem with element, line and quoted names left out. */
  reason: string;
  /** Models refused (at least partly) for it. */
  models: string[];
  /** Times it occurs over all of them. */
  occurrences: number;
}

/** The problems of one DeployResource rejection; the message itself when it lists none. */
export function problemsOf(message: string): string[] {
  const lines = message.split('\n');
  const problems = lines.filter((l) => l.startsWith('- ')).map((l) => l.slice(2).trim());
  if (problems.length > 0) return problems;
  const first = lines.find((l) => l.trim() !== '') ?? message;
  return [first.replace(/^\d+ [A-Z_]+: /, '').trim()];
}

export function normalizeProblem(problem: string): string {
  return problem
    .replace(/^(line \d+(, )?)?(element '[^']*')?: /, '')
    .replace(/'[^']*'/g, '…')
    .replace(/"[^"]*"/g, '…')
    .replace(/<[^<>]*>/g, '<…>')
    .replace(/\s+/g, ' ')
    .trim();
}

export function groupRefusals(refusals: { model: string; message: string }[]): RefusalGroup[] {
  const groups = new Map<string, RefusalGroup>();
  for (const { model, message } of refusals)
    for (const problem of problemsOf(message)) {
      const reason = normalizeProblem(problem);
      const g = groups.get(reason) ?? { reason, models: [], occurrences: 0 };
      g.occurrences++;
      if (!g.models.includes(model)) g.models.push(model);
      groups.set(reason, g);
    }
  return [...groups.values()].sort(
    (a, b) => b.models.length - a.models.length || b.occurrences - a.occurrences || a.reason.localeCompare(b.reason),
  );
}
