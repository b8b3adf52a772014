// One command's unit of work: events are applied to state as they are emitted (so later steps
// see them) and appended to the log together when the command finishes.
import { applyEvent, type ModelLookup } from '../state/appliers.js';
import type { EngineState } from '../state/engine-state.js';
import type { EngineEvent } from '../state/events.js';

export class Transaction {
  readonly events: EngineEvent[] = [];
  /** Root instances that completed in this command, with their variables (for awaiting callers). */
  readonly completedInstances = new Map<number, Record<string, unknown>>();

  constructor(
    readonly state: EngineState,
    private readonly models: ModelLookup,
    readonly now: number,
  ) {}

  emit(event: EngineEvent): void {
    applyEvent(this.state, event, this.models);
    this.events.push(event);
  }

  nextKey(): number {
    this.state.lastKey += 1;
    return this.state.lastKey;
  }
}
