// What `lintBpmn` tells the author of a Zeebe model: Camunda's compatibility rules for the
// Camunda version the model targets, and the bpmnlint rules we keep, each with element and line.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintBpmn, type LintFinding } from './index.js';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const hello = readFileSync(new URL('../../processes/hello.bpmn', import.meta.url), 'utf8');
const listeners = fixture('listeners-8-5.bpmn');

const errors = (findings: LintFinding[]): LintFinding[] => findings.filter((f) => f.severity === 'error');
const rulesAt = (findings: LintFinding[]): string[] => findings.map((f) => `${f.rule} ${f.elementId}:${f.line}`);

describe('lintBpmn', () => {
  it('finds nothing in a labelled Zeebe model with a diagram (io mappings, headers, a message, a timer, a subprocess)', async () => {
    expect(await lintBpmn(fixture('orders-laid-out.bpmn'))).toEqual([]);
  });

  it('reads a model without <bpmn:incoming>/<bpmn:outgoing> as connected: its only findings are the missing diagram', async () => {
    const findings = await lintBpmn(fixture('orders.bpmn'));
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((f) => `${f.rule} ${f.severity}`))).toEqual(new Set(['no-bpmndi warning']));
  });

  it('reports a service task without a job type with the rule, the element and its line', async () => {
    expect(errors(await lintBpmn(fixture('missing-job-type.bpmn')))).toEqual([
      {
        rule: 'camunda-compat/implementation',
        severity: 'error',
        elementId: 'charge',
        line: 6,
        message: 'Element of type <zeebe:TaskDefinition> must have property <type>',
      },
    ]);
  });

  describe('the Camunda version checked against', () => {
    it('is the one the model names in modeler:executionPlatformVersion (8.5: no listeners)', async () => {
      expect(rulesAt(errors(await lintBpmn(listeners)))).toEqual([
        'camunda-compat/no-execution-listeners audited:7',
        'camunda-compat/no-task-listeners approve:15',
      ]);
      expect(errors(await lintBpmn(listeners)).map((f) => f.message)).toEqual([
        'Extension element of type <zeebe:ExecutionListeners> only allowed by Camunda 8.6',
        'Extension element of type <zeebe:TaskListeners> only allowed by Camunda 8.8',
      ]);
    });

    it('is the one asked for, over what the model names', async () => {
      expect(rulesAt(errors(await lintBpmn(listeners, { executionPlatformVersion: '8.7' })))).toEqual([
        'camunda-compat/no-task-listeners approve:15',
      ]);
      expect(await lintBpmn(listeners, { executionPlatformVersion: '8.8.2' })).toEqual([]);
    });

    it('is 8.8, the version procos-engine reports, when the model names none', async () => {
      const unpinned = listeners.replace(/ modeler:executionPlatform(?:Version)?="[^"]*"/g, '');
      expect(await lintBpmn(unpinned)).toEqual([]);
    });

    it('is the newest camunda-compat knows for a version newer than it knows', async () => {
      expect(await lintBpmn(listeners.replace('"8.5.0"', '"8.99.0"'))).toEqual([]);
    });

    it('warns when the model names another platform or no version, and checks it as Camunda 8.8', async () => {
      const platform = await lintBpmn(listeners.replace('"Camunda Cloud"', '"Camunda Platform"'));
      expect(platform).toEqual([
        expect.objectContaining({
          rule: 'execution-platform',
          severity: 'warning',
          elementId: 'listeners-definitions',
          line: 4,
          message: expect.stringContaining("modeler:executionPlatform is 'Camunda Platform'") as unknown,
        }),
      ]);
      const version = await lintBpmn(listeners.replace('"8.5.0"', '"latest"'));
      expect(version.map((f) => f.message)).toEqual([
        "modeler:executionPlatformVersion 'latest' is not a version (checked as Camunda Cloud 8.8)",
      ]);
    });

    it('refuses to check against something that is not a version', async () => {
      await expect(lintBpmn(listeners, { executionPlatformVersion: 'eight' })).rejects.toThrow(
        "'eight' is not a Camunda version",
      );
    });
  });

  it('runs each lint afresh: a rule that remembers flows does not see the previous model', async () => {
    await lintBpmn(fixture('orders-laid-out.bpmn'));
    expect(await lintBpmn(fixture('orders-laid-out.bpmn'))).toEqual([]);
  });

  it('finds no errors in the demo process, only style warnings', async () => {
    const findings = await lintBpmn(hello);
    expect(errors(findings)).toEqual([]);
    expect(rulesAt(findings)).toEqual(['fake-join end:45', 'label-required to-long:51']);
  });
});
