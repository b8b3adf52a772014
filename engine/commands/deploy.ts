// DeployResource (docs/zeebe-compatibility.md C7–C10): atomic; a resource that is unchanged (same checksum and
// resource name as the latest version) keeps its keys and versions, anything else is
// version + 1. BPMN (.bpmn/.xml), DMN (.dmn) and forms (.form) are accepted.
import { createHash } from 'node:crypto';
import { compileBpmn, formatProblem, type ProcessModel } from '../../lib/bpmn/index.js';
import { compileDmn, type DecisionRequirementsModel } from '../../lib/dmn/index.js';
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { scheduleTimer } from '../behaviour/event-triggers.js';
import type { Transaction } from '../processor/transaction.js';
import type { DeployedProcess, EngineState } from '../state/engine-state.js';

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

export interface DeployedDecisionMetadata {
  dmnDecisionId: string;
  dmnDecisionName: string;
  version: number;
  decisionKey: number;
  dmnDecisionRequirementsId: string;
  decisionRequirementsKey: number;
}

export interface DeployedDrgMetadata {
  dmnDecisionRequirementsId: string;
  dmnDecisionRequirementsName: string;
  version: number;
  decisionRequirementsKey: number;
  resourceName: string;
}

export interface DeployedFormMetadata {
  formId: string;
  version: number;
  formKey: number;
  resourceName: string;
}

export interface DeployResult {
  key: number;
  processes: DeployedProcessMetadata[];
  decisions: DeployedDecisionMetadata[];
  decisionRequirements: DeployedDrgMetadata[];
  forms: DeployedFormMetadata[];
}

type Compiled =
  | { kind: 'bpmn'; name: string; xml: string; checksum: string; processes: ProcessModel[] }
  | { kind: 'dmn'; name: string; xml: string; checksum: string; drg: DecisionRequirementsModel }
  | { kind: 'form'; name: string; checksum: string; formId: string; schema: string };

async function compileResource(r: ResourceInput, errors: string[]): Promise<Compiled | undefined> {
  if (r.content.length > MAX_RESOURCE_BYTES) {
    errors.push(`'${r.name}': the resource is ${r.content.length} bytes and exceeds the 4 MiB limit of one resource`);
    return undefined;
  }
  const text = r.content.toString('utf8');
  const listProblems = (problems: Parameters<typeof formatProblem>[0][]): undefined => {
    errors.push(`'${r.name}':\n${problems.map((p) => `- ${formatProblem(p)}`).join('\n')}`);
    return undefined;
  };
  if (/\.(bpmn|xml)$/i.test(r.name)) {
    const c = await compileBpmn(text);
    if (c.problems.length) return listProblems(c.problems);
    return { kind: 'bpmn', name: r.name, xml: text, checksum: c.checksum, processes: c.processes };
  }
  if (/\.dmn$/i.test(r.name)) {
    const c = await compileDmn(text);
    if (c.problems.length || !c.drg) return listProblems(c.problems);
    return { kind: 'dmn', name: r.name, xml: text, checksum: c.checksum, drg: c.drg };
  }
  if (/\.form$/i.test(r.name)) {
    let id: unknown;
    try {
      id = (JSON.parse(text) as { id?: unknown }).id;
    } catch (err) {
      errors.push(`'${r.name}': a form must be JSON (${(err as Error).message})`);
      return undefined;
    }
    if (typeof id !== 'string' || id === '') {
      errors.push(`'${r.name}': a form must have a non-empty string "id"`);
      return undefined;
    }
    return {
      kind: 'form',
      name: r.name,
      checksum: createHash('sha256').update(text).digest('hex'),
      formId: id,
      schema: text,
    };
  }
  errors.push(
    `'${r.name}': unsupported resource type; procos-engine deploys BPMN (.bpmn, .xml), DMN (.dmn) and forms (.form)`,
  );
  return undefined;
}

export async function deployResources(engine: Engine, resources: ResourceInput[]): Promise<DeployResult> {
  if (resources.length === 0)
    throw new Rejection(INTENT, 'INVALID_ARGUMENT', 'Expected to deploy at least one resource, but none given');
  const errors: string[] = [];
  const compiled: Compiled[] = [];
  for (const r of resources) {
    const c = await compileResource(r, errors);
    if (c) compiled.push(c);
  }
  checkDuplicateIds(compiled, errors);
  if (errors.length) {
    throw new Rejection(
      INTENT,
      'INVALID_ARGUMENT',
      `Expected to deploy new resources, but encountered the following errors:\n${errors.join('\n')}`,
    );
  }
  for (const c of compiled) {
    if (c.kind === 'bpmn') engine.registerModels(c.checksum, c.processes);
    if (c.kind === 'dmn') engine.registerDecisions(c.checksum, c.drg);
  }
  return engine.execute((tx) => {
    const key = tx.nextKey();
    tx.emit({ type: 'DEPLOYMENT_CREATED', key });
    const result: DeployResult = { key, processes: [], decisions: [], decisionRequirements: [], forms: [] };
    for (const c of compiled) {
      if (c.kind === 'bpmn') result.processes.push(...c.processes.map((p) => deployProcess(tx, c, p, key)));
      if (c.kind === 'dmn') deployDecisions(tx, c, result);
      if (c.kind === 'form') result.forms.push(deployForm(tx, c));
    }
    return result;
  });
}

function checkDuplicateIds(compiled: Compiled[], errors: string[]): void {
  const seen = new Map<string, string>();
  const check = (kind: string, id: string, resource: string): void => {
    const other = seen.get(`${kind}:${id}`);
    if (other) errors.push(`Duplicated ${kind} id in resources '${other}' and '${resource}'`);
    seen.set(`${kind}:${id}`, resource);
  };
  for (const c of compiled) {
    if (c.kind === 'bpmn') for (const p of c.processes) check('process', p.id, c.name);
    if (c.kind === 'dmn') for (const d of c.drg.decisions) check('decision', d.id, c.name);
    if (c.kind === 'form') check('form', c.formId, c.name);
  }
}

function nextVersion<T extends { version: number }>(
  versions: Map<string, number[]>,
  all: Map<number, T>,
  id: string,
): number {
  return Math.max(0, ...(versions.get(id) ?? []).map((k) => all.get(k)?.version ?? 0)) + 1;
}

function deployProcess(
  tx: Transaction,
  resource: Extract<Compiled, { kind: 'bpmn' }>,
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
  const version = nextVersion(tx.state.versions, tx.state.processes, model.id);
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

function deployDecisions(tx: Transaction, c: Extract<Compiled, { kind: 'dmn' }>, result: DeployResult): void {
  const s: EngineState = tx.state;
  let drg = s.latestOf(s.drgVersions, s.drgs, c.drg.id);
  if (!drg || drg.checksum !== c.checksum || drg.resourceName !== c.name) {
    const key = tx.nextKey();
    const decisions = c.drg.decisions.map((d) => ({
      key: tx.nextKey(),
      decisionId: d.id,
      name: d.name,
      version: nextVersion(s.decisionVersions, s.decisions, d.id),
    }));
    const version = nextVersion(s.drgVersions, s.drgs, c.drg.id);
    tx.emit({
      type: 'DECISION_REQUIREMENTS_DEPLOYED',
      key,
      drgId: c.drg.id,
      name: c.drg.name,
      version,
      resourceName: c.name,
      checksum: c.checksum,
      xml: c.xml,
      decisions,
    });
    drg = s.drgs.get(key);
  }
  if (!drg) return;
  for (const k of drg.decisionKeys) {
    const d = s.decisions.get(k);
    if (d)
      result.decisions.push({
        dmnDecisionId: d.decisionId,
        dmnDecisionName: d.name,
        version: d.version,
        decisionKey: d.key,
        dmnDecisionRequirementsId: drg.drgId,
        decisionRequirementsKey: drg.key,
      });
  }
  result.decisionRequirements.push({
    dmnDecisionRequirementsId: drg.drgId,
    dmnDecisionRequirementsName: drg.name,
    version: drg.version,
    decisionRequirementsKey: drg.key,
    resourceName: c.name,
  });
}

function deployForm(tx: Transaction, c: Extract<Compiled, { kind: 'form' }>): DeployedFormMetadata {
  const s = tx.state;
  const latest = s.latestOf(s.formVersions, s.forms, c.formId);
  if (latest && latest.checksum === c.checksum && latest.resourceName === c.name) {
    return { formId: c.formId, version: latest.version, formKey: latest.key, resourceName: c.name };
  }
  const key = tx.nextKey();
  const version = nextVersion(s.formVersions, s.forms, c.formId);
  tx.emit({
    type: 'FORM_DEPLOYED',
    key,
    formId: c.formId,
    version,
    resourceName: c.name,
    checksum: c.checksum,
    schema: c.schema,
  });
  return { formId: c.formId, version, formKey: key, resourceName: c.name };
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
