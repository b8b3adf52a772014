// Snapshots bound the time a restart takes: the durable part of EngineState at one point of
// the log, so a restart replays only the events after it. Compiled models are not stored;
// they are rebuilt from the deployed XML, exactly as replay does. A snapshot of another
// STATE_FORMAT is ignored (full replay): the event log stays the source of truth.
import { deserialize, serialize } from 'node:v8';
import type { ProcessModel } from '../../lib/bpmn/index.js';
import type { DecisionRequirementsModel } from '../../lib/dmn/index.js';
import type { EngineState } from './engine-state.js';

/** Bump when the shapes in engine-state.ts change. */
export const STATE_FORMAT = 2;

/** Fields that are not durable state. */
const TRANSIENT = new Set(['outbox']);

type Fields = Record<string, unknown>;

export function encodeSnapshot(state: EngineState): Buffer {
  const fields: Fields = {};
  for (const [name, value] of Object.entries(state)) {
    if (TRANSIENT.has(name)) continue;
    fields[name] = value;
  }
  // Models are rebuilt on load (they hold the compiled process graph, not state).
  fields.processes = new Map([...state.processes].map(([k, { model: _model, ...p }]) => [k, p]));
  fields.drgs = new Map([...state.drgs].map(([k, { model: _model, ...d }]) => [k, d]));
  return serialize({ format: STATE_FORMAT, fields });
}

export interface ModelRebuilder {
  process(xml: string, checksum: string, bpmnProcessId: string): Promise<ProcessModel>;
  decisions(xml: string, checksum: string): Promise<DecisionRequirementsModel>;
}

/**
 * Fills an empty `state` from a snapshot; false (state untouched) when the snapshot was
 * written in another format.
 */
export async function restoreSnapshot(bytes: Buffer, state: EngineState, models: ModelRebuilder): Promise<boolean> {
  const { format, fields } = deserialize(bytes) as { format: number; fields: Fields };
  if (format !== STATE_FORMAT) return false;
  const target = state as unknown as Fields;
  for (const [name, value] of Object.entries(fields)) {
    const into = target[name];
    if (into instanceof Map) for (const [k, v] of value as Map<unknown, unknown>) into.set(k, v);
    else if (into instanceof Set) for (const v of value as Set<unknown>) into.add(v);
    else target[name] = value;
  }
  for (const p of state.processes.values()) p.model = await models.process(p.xml, p.checksum, p.bpmnProcessId);
  for (const d of state.drgs.values()) d.model = await models.decisions(d.xml, d.checksum);
  return true;
}
