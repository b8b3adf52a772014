// What happened to each process instance, from the committed event stream: how it ended
// (completed or terminated), which end events it reached, its final variables. The read API
// only shows running instances, so "it is gone" cannot tell completed from cancelled; this can.
import type { Engine } from '../processor/engine.js';
import type { EngineEvent } from '../state/events.js';

export interface InstanceRecord {
  processInstanceKey: string;
  bpmnProcessId?: string;
  state: 'ACTIVE' | 'COMPLETED' | 'TERMINATED';
  /** End events completed in the instance's own scope (not in its subprocesses), in order. */
  endEvents: string[];
  /** Ids of every element instance that completed, in order (subprocess contents included). */
  completed: string[];
  /** Element ids active right now (while the instance runs). */
  active: string[];
  /** Root-scope variables as of the last committed event. */
  variables: Record<string, unknown>;
  /** Error messages of incidents still open. */
  openIncidents: string[];
}

interface ElementInfo {
  elementId: string;
  kind: string;
  flowScopeKey: number;
  processInstanceKey: number;
}

interface Instance {
  bpmnProcessId?: string;
  state: InstanceRecord['state'];
  endEvents: string[];
  completed: string[];
  variables: Map<string, unknown>;
}

export class InstanceHistory {
  private readonly elements = new Map<number, ElementInfo>();
  private readonly instances = new Map<number, Instance>();
  private readonly incidents = new Map<number, { processInstanceKey: number; message: string }>();

  /** Starts from the engine's current state (a restarted engine), then follows every commit. */
  constructor(private readonly engine: Engine) {
    for (const e of engine.state.elements.values()) {
      this.elements.set(e.key, {
        elementId: e.elementId,
        kind: e.kind,
        flowScopeKey: e.flowScopeKey,
        processInstanceKey: e.processInstanceKey,
      });
      if (e.kind === 'process')
        this.instances.set(e.key, {
          bpmnProcessId: engine.state.processes.get(e.processDefinitionKey)?.bpmnProcessId,
          state: 'ACTIVE',
          endEvents: [],
          completed: [],
          variables: new Map(engine.state.variables.get(e.key) ?? []),
        });
    }
    for (const i of engine.state.incidents.values())
      this.incidents.set(i.key, { processInstanceKey: i.processInstanceKey, message: i.errorMessage });
    engine.on('committed', (events) => {
      for (const event of events) this.apply(event);
    });
  }

  /** The instance as the events so far describe it; undefined if no event named it. */
  get(processInstanceKey: string): InstanceRecord | undefined {
    const key = Number(processInstanceKey);
    const i = this.instances.get(key);
    if (!i) return undefined;
    const active: string[] = [];
    for (const [k, e] of this.elements) if (e.processInstanceKey === key && k !== key) active.push(e.elementId);
    const openIncidents = [...this.incidents.values()]
      .filter((x) => x.processInstanceKey === key)
      .map((x) => x.message);
    return {
      processInstanceKey,
      bpmnProcessId: i.bpmnProcessId,
      state: i.state,
      endEvents: [...i.endEvents],
      completed: [...i.completed],
      active,
      variables: Object.fromEntries(i.variables),
      openIncidents,
    };
  }

  private apply(event: EngineEvent): void {
    switch (event.type) {
      case 'ELEMENT_ACTIVATING':
        this.elements.set(event.key, event);
        if (event.kind === 'process')
          this.instances.set(event.key, {
            bpmnProcessId: this.engine.state.processes.get(event.processDefinitionKey)?.bpmnProcessId,
            state: 'ACTIVE',
            endEvents: [],
            completed: [],
            variables: new Map(),
          });
        return;
      case 'ELEMENT_COMPLETED':
      case 'ELEMENT_TERMINATED':
        return this.ended(event.key, event.type === 'ELEMENT_COMPLETED');
      case 'PROCESS_INSTANCE_MIGRATED':
        for (const [key, elementId] of event.elementIds) {
          const e = this.elements.get(key);
          if (e) this.elements.set(key, { ...e, elementId });
        }
        return;
      case 'VARIABLE_SET':
        if (event.scopeKey === event.processInstanceKey)
          this.instances.get(event.processInstanceKey)?.variables.set(event.name, event.value);
        return;
      case 'INCIDENT_CREATED':
        this.incidents.set(event.key, { processInstanceKey: event.processInstanceKey, message: event.errorMessage });
        return;
      case 'INCIDENT_RESOLVED':
        this.incidents.delete(event.key);
        return;
      default:
        return;
    }
  }

  private ended(key: number, completed: boolean): void {
    const e = this.elements.get(key);
    if (!e) return;
    this.elements.delete(key);
    const instance = this.instances.get(e.processInstanceKey);
    if (!instance) return;
    if (e.kind === 'process') {
      instance.state = completed ? 'COMPLETED' : 'TERMINATED';
      return;
    }
    if (!completed) return;
    instance.completed.push(e.elementId);
    if (e.kind === 'endEvent' && e.flowScopeKey === e.processInstanceKey) instance.endEvents.push(e.elementId);
  }
}
