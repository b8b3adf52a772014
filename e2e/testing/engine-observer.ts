// What the e2e suites read from procos-engine to check the operator's effect on it: the
// instances (read API) and how many commands of a kind it accepted (/metrics).
import { httpGet } from './http-get.js';

export interface EngineInstance {
  processInstanceKey: string;
  bpmnProcessId: string;
  version: number;
  processDefinitionKey: string;
  variables: Record<string, unknown>;
}

/** Running instances (finished ones are not kept by the read API). */
export async function engineInstances(monitoring: string, bpmnProcessId?: string): Promise<EngineInstance[]> {
  const all = JSON.parse((await httpGet(`${monitoring}/v1/process-instances`)).body) as EngineInstance[];
  return bpmnProcessId === undefined ? all : all.filter((i) => i.bpmnProcessId === bpmnProcessId);
}

/**
 * Events of one type the engine appended since it started (procos_engine_events_total):
 * DEPLOYMENT_CREATED counts every deploy command, identical redeploys included;
 * PROCESS_DEPLOYED counts new process versions only.
 */
export async function engineEventCount(monitoring: string, type: string): Promise<number> {
  const text = (await httpGet(`${monitoring}/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith(`procos_engine_events_total{type="${type}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
