// Commands run straight against an engine, no gRPC: each is validated, then either refused with
// nothing written or turned into events — the events are what these tests read. The engine's
// behaviour through the SDK is specified by the tests in engine/*.test.ts.
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EventLog } from '../log/event-log.js';
import { Engine } from '../processor/engine.js';
import type { EngineEvent } from '../state/events.js';
import { completeJob } from './complete-job.js';
import { createProcessInstance } from './create-instance.js';
import { deployResources } from './deploy.js';
import { failJob } from './fail-job.js';
import { resolveIncident } from './resolve-incident.js';
import { updateJobRetries } from './update-job-retries.js';

/** start → work (job durable.work) → audit (job durable.audit) → end */
const TWO_STEPS = readFileSync(new URL('../testdata/two-steps.bpmn', import.meta.url));

/** A log that keeps what is appended, so another engine can be opened on it. */
class KeptLog implements EventLog {
  readonly events: EngineEvent[] = [];
  append(events: readonly EngineEvent[]): void {
    this.events.push(...events);
  }
  latestSnapshot(): undefined {
    return undefined;
  }
  saveSnapshot(): void {
    /* replay from the first event */
  }
  replay(): Iterable<EngineEvent> {
    return this.events;
  }
  close(): void {
    /* nothing to release */
  }
}

/** The committed events of an engine, told as lines: `ELEMENT_COMPLETED work`, `JOB_CREATED audit`. */
class Story {
  private readonly elementIds = new Map<number, string>();
  private lines: string[] = [];

  /** `known`: events the engine was opened on, for the element ids they name. */
  constructor(
    private readonly engine: Engine,
    known: readonly EngineEvent[],
  ) {
    for (const e of known) this.line(e);
    engine.on('committed', (events) => this.lines.push(...events.map((e) => this.line(e))));
  }

  /** What was committed since the last call; waits for the group commit first. */
  async since(): Promise<string[]> {
    await this.engine.durable();
    return this.lines.splice(0);
  }

  private line(e: EngineEvent): string {
    switch (e.type) {
      case 'ELEMENT_ACTIVATING':
      case 'JOB_CREATED':
        this.elementIds.set(e.key, e.elementId);
        return `${e.type} ${e.elementId}`;
      case 'FLOW_TAKEN':
        return `${e.type} ${e.flowId}`;
      case 'VARIABLE_SET':
        return `${e.type} ${e.name}=${JSON.stringify(e.value)}`;
      case 'INCIDENT_CREATED':
        return `${e.type} ${e.errorType} ${e.elementId}`;
      default:
        return 'key' in e && this.elementIds.has(e.key) ? `${e.type} ${this.elementIds.get(e.key)}` : e.type;
    }
  }
}

async function openEngine(log: KeptLog): Promise<{ engine: Engine; story: Story }> {
  const engine = await Engine.open(log, { clock: () => 1_000 });
  return { engine, story: new Story(engine, log.events) };
}

function createTwoSteps(engine: Engine, variables = '{}'): void {
  createProcessInstance(engine, {
    processDefinitionKey: 0,
    bpmnProcessId: 'two-steps',
    version: -1,
    variables,
    startElementIds: [],
  });
}

/** The key of the newest job created for the element, as the log has it (after the group commit). */
function jobKeyIn(log: KeptLog, elementId: string): number {
  const job = log.events.findLast(
    (e): e is Extract<EngineEvent, { type: 'JOB_CREATED' }> => e.type === 'JOB_CREATED' && e.elementId === elementId,
  );
  if (!job) throw new Error(`no job created for ${elementId}`);
  return job.key;
}

/** What completing the audit job writes: the instance runs to its end. */
const AUDIT_TO_END = [
  'JOB_COMPLETED audit',
  'ELEMENT_COMPLETING audit',
  'ELEMENT_COMPLETED audit',
  'FLOW_TAKEN f3',
  'ELEMENT_ACTIVATING end',
  'ELEMENT_ACTIVATED end',
  'ELEMENT_COMPLETING end',
  'ELEMENT_COMPLETED end',
  'ELEMENT_COMPLETING two-steps',
  'ELEMENT_COMPLETED two-steps',
];

describe('commands without a transport', () => {
  let log: KeptLog;
  let engine: Engine;
  let story: Story;

  beforeEach(async () => {
    log = new KeptLog();
    ({ engine, story } = await openEngine(log));
    await deployResources(engine, [{ name: 'two-steps.bpmn', content: TWO_STEPS }]);
    await story.since();
  });

  it('turns create instance and complete job into the instance history, in order', async () => {
    createTwoSteps(engine, '{"order":7}');
    expect(await story.since()).toEqual([
      'ELEMENT_ACTIVATING two-steps',
      'VARIABLE_SET order=7',
      'ELEMENT_ACTIVATED two-steps',
      'ELEMENT_ACTIVATING start',
      'ELEMENT_ACTIVATED start',
      'ELEMENT_COMPLETING start',
      'ELEMENT_COMPLETED start',
      'FLOW_TAKEN f1',
      'ELEMENT_ACTIVATING work',
      'ELEMENT_ACTIVATED work',
      'JOB_CREATED work',
    ]);

    completeJob(engine, jobKeyIn(log, 'work'), '{"approved":true}');
    expect(await story.since()).toEqual([
      'JOB_COMPLETED work',
      'ELEMENT_COMPLETING work',
      'VARIABLE_SET approved=true',
      'ELEMENT_COMPLETED work',
      'FLOW_TAKEN f2',
      'ELEMENT_ACTIVATING audit',
      'ELEMENT_ACTIVATED audit',
      'JOB_CREATED audit',
    ]);

    completeJob(engine, jobKeyIn(log, 'audit'), '');
    expect(await story.since()).toEqual(AUDIT_TO_END);
  });

  it('refuses a command with a reason and writes nothing', async () => {
    createTwoSteps(engine);
    await story.since();
    const work = jobKeyIn(log, 'work');
    completeJob(engine, work, '');
    await story.since();
    const written = log.events.length;

    expect(() => completeJob(engine, work, '')).toThrow(
      `Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with key '${work}', but no such job was found`,
    );
    expect(() => createTwoSteps(engine, '[1, 2]')).toThrow(/rejected with code 'INVALID_ARGUMENT'/);
    expect(() =>
      createProcessInstance(engine, {
        processDefinitionKey: 0,
        bpmnProcessId: 'no-such-process',
        version: -1,
        variables: '',
        startElementIds: [],
      }),
    ).toThrow(/rejected with code 'NOT_FOUND'/);

    expect(await story.since()).toEqual([]);
    expect(log.events).toHaveLength(written);
  });

  it('raises an incident for a job failed without retries; it resolves once the job has retries again', async () => {
    createTwoSteps(engine);
    await story.since();
    const work = jobKeyIn(log, 'work');

    failJob(engine, { jobKey: work, retries: 0, errorMessage: 'disk full', retryBackOffMs: 0, variables: '' });
    expect(await story.since()).toEqual(['JOB_FAILED work', 'INCIDENT_CREATED JOB_NO_RETRIES work']);
    const incident = log.events.findLast((e) => e.type === 'INCIDENT_CREATED');
    if (!incident) throw new Error('no incident');

    expect(() => resolveIncident(engine, incident.key)).toThrow(/rejected with code 'INVALID_STATE'.*no retries left/);
    updateJobRetries(engine, work, 1);
    resolveIncident(engine, incident.key);
    expect(await story.since()).toEqual(['JOB_RETRIES_UPDATED work', 'INCIDENT_RESOLVED']);
  });

  it('rebuilds the state from the events alone: an engine opened on the log goes on where the first stopped', async () => {
    createTwoSteps(engine);
    await story.since();
    completeJob(engine, jobKeyIn(log, 'work'), '{"approved":true}');
    await story.since();

    const reopened = await openEngine(log);
    completeJob(reopened.engine, jobKeyIn(log, 'audit'), '');
    expect(await reopened.story.since()).toEqual(AUDIT_TO_END);
  });
});
