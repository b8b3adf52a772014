// SetVariables (docs/zeebe-compatibility.md C24): propagated like a job's variables, or local to
// the element instance; returns the command's key.
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { propagate, setLocal } from '../behaviour/variables.js';
import { parseVariablesDocument } from './variables-document.js';

export function setVariables(
  engine: Engine,
  elementInstanceKey: number,
  variablesText: string,
  local: boolean,
): number {
  const variables = parseVariablesDocument('UPDATE', variablesText);
  if (!engine.state.elements.has(elementInstanceKey)) {
    throw new Rejection(
      'UPDATE',
      'NOT_FOUND',
      `Expected to update variables for element with key '${elementInstanceKey}', but no such element was found`,
    );
  }
  return engine.execute((tx) => {
    const key = tx.nextKey();
    tx.emit({ type: 'VARIABLE_DOCUMENT_UPDATED', key });
    if (local) for (const [name, value] of Object.entries(variables)) setLocal(tx, elementInstanceKey, name, value);
    else propagate(tx, elementInstanceKey, variables);
    return key;
  });
}
