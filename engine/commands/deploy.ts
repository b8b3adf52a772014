// DeployResource (notes C7–C10): atomic; a resource that is unchanged (same checksum and
// resource name as the latest version) keeps its key and version, anything else is version+1.
import { compileBpmn, formatProblem, type ProcessModel } from '../../lib/bpmn/index.js';
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { scheduleTimer } from '../behaviour/event-triggers.js';
import type { Transaction } from '../processor/transaction.js';
import type { DeployedProcess } from '../state/engine-state.js';

const INTENT = 'CREATE';
/** Zeebe's default maxMessageSize is 4 MiB; a bigger resource could never be replicated. */
const MAX_RESOURCE_BYTES = 4 * 1024 * 1024;

export interface ResourceInput {
  name: string;
  content: Buffer;
}

export interface DeployedProcessMetadata {
  bpmnProcessId: string;
  version: number;
  processDefinitionKey: number;
  resourceName: string;
}

export interface DeployResult {
  key: number;
  processes: DeployedProcessMetadata[];
}

interface CompiledResource {
  name: string;
  xml: string;
  checksum: string;
  processes: ProcessModel[];
}

export async function deployResources(engine: Engine, resources: ResourceInput[]): Promise<DeployResult> {
  if (resources.length === 0)
    throw new Rejection(INTENT, 'INVALID_ARGUMENT', 'Expected to deploy at least one resource, but none given');
  const compiled: CompiledResource[] = [];
  const errors: string[] = [];
  for (const r of resources) {
    if (r.content.length > MAX_RESOURCE_BYTES) {
      errors.push(`'${r.name}': the resource is ${r.content.length} bytes and exceeds the 4 MiB limit of one resource`);
      continue;
    }
    if (!/\.(bpmn|xml)$/i.test(r.name)) {
      errors.push(`'${r.name}': unsupported resource type; procos-engine deploys BPMN (.bpmn, .xml)`);
      continue;
    }
    const xml = r.content.toString('utf8');
    const c = await compileBpmn(xml);
    if (c.problems.length) errors.push(`'${r.name}':\n${c.problems.map((p) => `- ${formatProblem(p)}`).join('\n')}`);
    else compiled.push({ name: r.name, xml, checksum: c.checksum, processes: c.processes });
  }
  const seen = new Map<string, string>();
  for (const r of compiled) {
    for (const p of r.processes) {
      const other = seen.get(p.id);
      if (other) errors.push(`Duplicated process id in resources '${other}' and '${r.name}'`);
      seen.set(p.id, r.name);
    }
  }
  if (errors.length) {
    throw new Rejection(
      INTENT,
      'INVALID_ARGUMENT',
      `Expected to deploy new resources, but encountered the following errors:\n${errors.join('\n')}`,
    );
  }
  for (const r of compiled) engine.registerModels(r.checksum, r.processes);
  return engine.execute((tx) => {
    const key = tx.nextKey();
    tx.emit({ type: 'DEPLOYMENT_CREATED', key });
    const processes = compiled.flatMap((r) => r.processes.map((p) => deployProcess(tx, r, p, key)));
    return { key, processes };
  });
}

function deployProcess(
  tx: Transaction,
  resource: CompiledResource,
  model: ProcessModel,
  deploymentKey: number,
): DeployedProcessMetadata {
  const latest = tx.state.latestProcess(model.id);
  if (latest && latest.checksum === resource.checksum && latest.resourceName === resource.name) {
    return {
      bpmnProcessId: model.id,
      version: latest.version,
      processDefinitionKey: latest.key,
      resourceName: resource.name,
    };
  }
  const versions = tx.state.versions.get(model.id) ?? [];
  const version = Math.max(0, ...versions.map((k) => tx.state.processes.get(k)?.version ?? 0)) + 1;
  const key = tx.nextKey();
  tx.emit({
    type: 'PROCESS_DEPLOYED',
    key,
    deploymentKey,
    bpmnProcessId: model.id,
    version,
    resourceName: resource.name,
    checksum: resource.checksum,
    xml: resource.xml,
  });
  replaceStartTimers(tx, tx.state.processes.get(key), latest);
  return { bpmnProcessId: model.id, version, processDefinitionKey: key, resourceName: resource.name };
}

/** Timer start events belong to the latest version only (C30). */
function replaceStartTimers(
  tx: Transaction,
  process: DeployedProcess | undefined,
  previous: DeployedProcess | undefined,
): void {
  if (!process) return;
  for (const t of [...tx.state.timers.values()]) {
    if (t.elementInstanceKey === 0 && previous && t.processDefinitionKey === previous.key)
      tx.emit({ type: 'TIMER_CANCELED', key: t.key });
  }
  for (const id of process.model.startEvents.get(process.model.id) ?? []) {
    const node = process.model.elements.get(id);
    if (node?.event.kind !== 'timer') continue;
    const s = scheduleTimer(node.event.timer, {}, tx.now);
    if (typeof s === 'string') continue;
    tx.emit({
      type: 'TIMER_CREATED',
      key: tx.nextKey(),
      elementInstanceKey: 0,
      processInstanceKey: 0,
      processDefinitionKey: process.key,
      catchElementId: id,
      ...s,
      interrupting: true,
    });
  }
}
