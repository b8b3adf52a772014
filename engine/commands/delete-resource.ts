// DeleteResource: a deployed process is deleted, and its timer start events with it.
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';

export function deleteResource(engine: Engine, resourceKey: number): void {
  if (!engine.state.processes.has(resourceKey)) {
    throw new Rejection(
      'DELETE',
      'NOT_FOUND',
      `Expected to delete resource but no resource found with key \`${resourceKey}\``,
    );
  }
  engine.execute((tx) => {
    for (const t of [...tx.state.timers.values()]) {
      if (t.elementInstanceKey === 0 && t.processDefinitionKey === resourceKey)
        tx.emit({ type: 'TIMER_CANCELED', key: t.key });
    }
    tx.emit({ type: 'PROCESS_DELETED', key: resourceKey });
  });
}
