// What the benchmarks read from a running operator's /metrics (Prometheus text).
import type { OperatorProcess } from '../e2e/testing/operator-process.js';

async function metricsText(operator: OperatorProcess): Promise<string> {
  const url = operator.monitoring();
  return url ? await (await fetch(`${url}/metrics`)).text() : '';
}

/** Apiserver requests the operator made so far, by HTTP verb. */
export async function apiserverRequests(operator: OperatorProcess): Promise<Map<string, number>> {
  const text = await metricsText(operator);
  return new Map(
    [...text.matchAll(/procos_operator_apiserver_requests_total\{verb="([A-Z]+)"\} (\d+)/g)].map((m) => [
      m[1] ?? '',
      Number(m[2]),
    ]),
  );
}

/** Successful reconciles of one kind so far. */
export async function successfulReconciles(operator: OperatorProcess, kind: string): Promise<number> {
  const re = new RegExp(`procos_operator_reconcile_total\\{kind="${kind}",result="success"\\} (\\d+)`);
  return Number(re.exec(await metricsText(operator))?.[1] ?? 0);
}
