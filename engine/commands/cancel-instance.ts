// CancelProcessInstance (docs/zeebe-compatibility.md C13): terminates a root instance and
// everything in it; a called instance is cancelled through its root.
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';

export function cancelProcessInstance(engine: Engine, processInstanceKey: number): void {
  const el = engine.state.elements.get(processInstanceKey);
  if (!el || el.kind !== 'process' || el.parentElementInstanceKey !== undefined) {
    const reason =
      el?.parentElementInstanceKey !== undefined && el.kind === 'process'
        ? `Expected to cancel a process instance with key '${processInstanceKey}', but it is created by a parent process instance. Cancel the root process instance instead.`
        : `Expected to cancel a process instance with key '${processInstanceKey}', but no such process was found`;
    throw new Rejection('CANCEL', el ? 'INVALID_STATE' : 'NOT_FOUND', reason);
  }
  engine.execute((_tx, flow) => flow.terminate(processInstanceKey));
}
