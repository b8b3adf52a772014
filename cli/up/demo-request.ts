// `procos up --demo` (what `make up` runs): once the system is up, one AI query goes in through
// the HTTP ingress like any user's request, and the console shows the formatted answer and what
// ran for it — the processes, their jobs and workers, and the time — read back from the engine's
// history of the request's instance.
import type { InstanceRecord } from '../../engine/monitoring/instance-history.js';

export const DEMO_PROMPT = 'In one sentence: what does a process operating system do?';

const ms = (from: string, to?: string): string => (to ? `${Date.parse(to) - Date.parse(from)} ms` : 'running');

/** Lines describing an instance tree: each process, then each task with its job. */
export function describeRun(tree: InstanceRecord, depth = 0): { lines: string[]; processes: number; jobs: number } {
  const pad = '  '.repeat(depth + 1);
  const lines = [
    `${pad}${tree.bpmnProcessId} v${tree.version} (instance ${tree.processInstanceKey}), ${tree.state}, ${ms(tree.startedAt, tree.endedAt)}`,
  ];
  let processes = 1;
  let jobs = 0;
  for (const el of tree.elements) {
    const child = tree.children?.find((c) => c.parentElementInstanceKey === el.key);
    if (el.job) {
      jobs++;
      const failures = el.job.failures.length
        ? `, ${el.job.failures.length} failure(s): ${el.job.failures.at(-1) ?? ''}`
        : '';
      lines.push(
        `${pad}  ${el.elementId}: job ${el.job.type} by ${el.job.worker ?? '-'}, ${ms(el.startedAt, el.endedAt)}${failures}`,
      );
    } else if (el.kind === 'callActivity' && child) {
      lines.push(`${pad}  ${el.elementId}: calls ${child.bpmnProcessId} (below)`);
    }
  }
  for (const c of tree.children ?? []) {
    const sub = describeRun(c, depth + 1);
    lines.push(...sub.lines);
    processes += sub.processes;
    jobs += sub.jobs;
  }
  return { lines, processes, jobs };
}

export async function demoRequest(o: {
  ingressUrl: string;
  monitoringUrl?: string;
  out: (line: string) => void;
}): Promise<boolean> {
  const t0 = Date.now();
  o.out(`demo: POST ${o.ingressUrl}/requests?wait=true  {"type": "ai-query", "payload": {"prompt": "${DEMO_PROMPT}"}}`);
  const res = await fetch(`${o.ingressUrl}/requests?wait=true&timeout=120`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'ai-query', payload: { prompt: DEMO_PROMPT } }),
  });
  const body = (await res.json()) as {
    state?: string;
    instanceKey?: string;
    result?: { answer?: string; provider?: string; model?: string; tokens?: number };
    error?: string;
    detail?: string;
  };
  const took = Date.now() - t0;
  if (body.state !== 'completed') {
    o.out(`demo: the request did not complete (${res.status}: ${body.state ?? body.detail ?? ''} ${body.error ?? ''})`);
    return false;
  }
  o.out(
    `demo: answer (${body.result?.provider ?? '?'} provider, model ${body.result?.model ?? '?'}, ${body.result?.tokens ?? '?'} tokens):`,
  );
  o.out(`  ${JSON.stringify(body.result?.answer ?? '')}`);
  if (body.result?.model === 'procos-demo-tiny.gguf')
    o.out('  (the tiny generated demo model: this text is not meaningful; see the ai lines above for a real model)');
  if (o.monitoringUrl && body.instanceKey) {
    // The answer comes from the request's last job; its instance ends a moment later.
    const url = `${o.monitoringUrl}/v1/history/process-instances/${body.instanceKey}`;
    let tree: InstanceRecord | undefined;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const h = await fetch(url);
      tree = h.ok ? ((await h.json()) as InstanceRecord) : undefined;
      if (tree?.state !== 'active') break;
    }
    if (tree) {
      const run = describeRun(tree);
      o.out(`demo: what ran (${run.processes} processes, ${run.jobs} jobs, ${took} ms in all):`);
      for (const line of run.lines) o.out(line);
    }
  }
  return true;
}
