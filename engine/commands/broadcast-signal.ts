// BroadcastSignal (docs/zeebe-compatibility.md C32).
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { broadcastSignal as broadcast } from '../behaviour/signals.js';
import { parseVariablesDocument } from './variables-document.js';

export function broadcastSignal(engine: Engine, signalName: string, variablesText: string): number {
  if (!signalName)
    throw new Rejection('BROADCAST', 'INVALID_ARGUMENT', 'Expected signal name to be non-empty, but it was empty');
  const variables = parseVariablesDocument('BROADCAST', variablesText);
  return engine.execute((_tx, flow) => broadcast(flow, signalName, variables));
}
