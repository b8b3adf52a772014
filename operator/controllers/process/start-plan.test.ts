import { describe, expect, it } from 'vitest';
import type { StartOnDeployStatus } from '../../api/index.js';
import { planStart, startReadiness, type StartFacts } from './start-plan.js';

const v2 = { bpmnProcessId: 'boot', version: 2, processDefinitionKey: '22' };
const base: StartFacts = { enabled: true, uid: 'u1', generation: 3, deployed: v2 };
const record = (
  phase: StartOnDeployStatus['phase'],
  extra: Partial<StartOnDeployStatus> = {},
): StartOnDeployStatus => ({
  ...v2,
  phase,
  startKey: 'u1/2',
  ...extra,
});
const v1Started: StartOnDeployStatus = {
  bpmnProcessId: 'boot',
  version: 1,
  processDefinitionKey: '11',
  phase: 'Started',
  processInstanceKey: '100',
};

describe('planStart', () => {
  it.each<[string, Partial<StartFacts>, string, Record<string, unknown>?]>([
    ['starts nothing when startOnDeploy is off', { enabled: false }, 'none'],
    ['starts the first version', {}, 'start', { phase: 'Starting', version: 2, startKey: 'u1/2' }],
    ['starts a new version', { marker: v1Started, recordedKey: '11' }, 'start', { phase: 'Starting', version: 2 }],
    ['starts nothing for a version already started', { marker: record('Started'), recordedKey: '22' }, 'none'],
    [
      'never starts an older definition that status still shows',
      { deployed: { ...v2, version: 1, processDefinitionKey: '11' }, marker: record('Started') },
      'none',
    ],
    [
      'records the instance it started when the status write after the start failed',
      {
        marker: record('Starting'),
        memo: { processDefinitionKey: '22', outcome: { kind: 'started', processInstanceKey: '200' } },
      },
      'record',
      { phase: 'Started', processInstanceKey: '200' },
    ],
    [
      'does not start again after a crash between Starting and Started: Unconfirmed',
      { marker: record('Starting') },
      'record',
      {
        phase: 'Unconfirmed',
        message: expect.stringMatching(/started at most once .* procosStartKey="u1\/2"/) as unknown,
      },
    ],
    ['leaves an Unconfirmed start alone', { marker: record('Unconfirmed') }, 'none'],
    [
      'retries a start the engine certainly did not run because it was down',
      { marker: record('Failed', { reason: 'EngineUnavailable', observedGeneration: 3 }) },
      'start',
    ],
    [
      'waits for an edit after the engine refused the start',
      { marker: record('Failed', { reason: 'StartOnDeployFailed', observedGeneration: 3 }) },
      'none',
    ],
    [
      'tries again once the spec was edited after a refusal',
      { marker: record('Failed', { reason: 'StartOnDeployFailed', observedGeneration: 2 }) },
      'start',
    ],
    [
      'records a start that a stale status does not show (memo), instead of starting again',
      {
        marker: v1Started,
        memo: { processDefinitionKey: '22', outcome: { kind: 'started', processInstanceKey: '200' } },
      },
      'record',
      { phase: 'Started', processInstanceKey: '200' },
    ],
    [
      'skips a version deployed before startOnDeploy was enabled (or by an operator without records)',
      { recordedKey: '22' },
      'record',
      { phase: 'Skipped' },
    ],
  ])('%s', (_name, facts, kind, marker) => {
    const plan = planStart({ ...base, ...facts });
    expect(plan.kind).toBe(kind);
    if (marker) expect(plan).toMatchObject({ marker });
  });
});

describe('startReadiness', () => {
  it('a refused start is Ready=False/StartOnDeployFailed, stalled', () => {
    expect(startReadiness(record('Failed', { reason: 'StartOnDeployFailed', message: 'no' }), '22')).toEqual({
      failure: {
        reason: 'StartOnDeployFailed',
        message: 'version 2 is deployed, but its startOnDeploy instance was not started: no',
      },
      transient: false,
    });
  });

  it('an engine outage during the start is retried', () => {
    expect(startReadiness(record('Failed', { reason: 'EngineUnavailable' }), '22').transient).toBe(true);
  });

  it('a record about another definition says nothing', () => {
    expect(startReadiness(v1Started, '22')).toEqual({});
  });
});
