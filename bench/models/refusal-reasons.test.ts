import { describe, expect, it } from 'vitest';
import { groupRefusals, normalizeProblem, problemsOf } from './refusal-reasons.js';

// As the SDK reports an engine's DeployResource rejection.
const rejection = [
  "3 INVALID_ARGUMENT: Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new resources, but encountered the following errors:",
  "'a.bpmn':",
  "- line 9, element 'Tools': element type bpmn:AdHocSubProcess is not supported by procos-engine [unsupported-element]",
  "- line 40, element 'Flow_1': sequence flow must connect elements of the same (sub)process [sequence-flow-ref]",
].join('\n');

describe('refusal reasons', () => {
  it('reads the listed problems of a rejection, or its first line when it lists none', () => {
    expect(problemsOf(rejection)).toEqual([
      "line 9, element 'Tools': element type bpmn:AdHocSubProcess is not supported by procos-engine [unsupported-element]",
      "line 40, element 'Flow_1': sequence flow must connect elements of the same (sub)process [sequence-flow-ref]",
    ]);
    expect(problemsOf('14 UNAVAILABLE: No connection established\nmore')).toEqual(['No connection established']);
  });

  it('leaves out where a problem is and the names in it, so the same problem reads the same', () => {
    expect(normalizeProblem("line 51, element 'BPMNPlane_1': unresolved reference <Process_64b7> [xml-schema]")).toBe(
      'unresolved reference <…> [xml-schema]',
    );
    expect(normalizeProblem("line 12, element 'send': retries '' must be a non-negative integer [job-retries]")).toBe(
      'retries … must be a non-negative integer [job-retries]',
    );
  });

  it('groups problems over models, counting each model once, most models first', () => {
    const other = rejection.replace("'Tools'", "'Agent'").replace('line 40', 'line 41');
    const twice = `${rejection}\n- line 50, element 'Flow_2': sequence flow must connect elements of the same (sub)process [sequence-flow-ref]`;
    const groups = groupRefusals([
      { model: 'x/a.bpmn', message: twice },
      { model: 'y/b.bpmn', message: other },
      { model: 'y/c.bpmn', message: '3 INVALID_ARGUMENT: something else' },
    ]);
    expect(groups.map((g) => [g.reason, g.models, g.occurrences])).toEqual([
      ['sequence flow must connect elements of the same (sub)process [sequence-flow-ref]', ['x/a.bpmn', 'y/b.bpmn'], 3],
      [
        'element type bpmn:AdHocSubProcess is not supported by procos-engine [unsupported-element]',
        ['x/a.bpmn', 'y/b.bpmn'],
        2,
      ],
      ['something else', ['y/c.bpmn'], 1],
    ]);
  });
});
