// What compileBpmn refuses (and accepts) in the raw XML, before any BPMN rule: the engine and the
// operator both answer with these problems, so each names its rule, element or line.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileBpmn, formatProblem, MAX_SUBPROCESS_DEPTH } from './index.js';
import { nestedSubprocesses } from './testdata/nested-subprocesses.js';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const minimal = fixture('minimal.bpmn');

/** The minimal process with `text` in place of its task's name. */
const withTaskName = (text: string): string => minimal.replace('name="Task"', `name="${text}"`);

const problemsOf = async (xml: string) => (await compileBpmn(xml)).problems;

describe('compileBpmn on hostile or unusual XML', () => {
  it('accepts the minimal fixture (the base of the cases below)', async () => {
    expect(await problemsOf(minimal)).toEqual([]);
  });

  describe('subprocess nesting', () => {
    it(`compiles subprocesses nested ${MAX_SUBPROCESS_DEPTH} levels deep`, async () => {
      const c = await compileBpmn(nestedSubprocesses(MAX_SUBPROCESS_DEPTH));
      expect(c.problems).toEqual([]);
      expect(c.processes[0]?.elements.get('work')?.scopeId).toBe(`sub-${MAX_SUBPROCESS_DEPTH}`);
    });

    it.each([MAX_SUBPROCESS_DEPTH + 1, 5000])(
      'refuses %i levels, naming the first subprocess past the limit, instead of overflowing the stack',
      async (depth) => {
        const problems = await problemsOf(nestedSubprocesses(depth));
        expect(problems.map(formatProblem)).toEqual([
          `line ${problems[0]?.line}, element 'sub-257': subprocesses nest deeper than 256 levels [subprocess-depth]`,
        ]);
        expect(problems[0]?.line).toBeGreaterThan(MAX_SUBPROCESS_DEPTH); // one line per level and element
      },
    );
  });

  describe('DOCTYPE and entity declarations', () => {
    it('refuses a DOCTYPE with an entity, saying so plainly, with its line', async () => {
      expect(await problemsOf(fixture('doctype-entity.bpmn'))).toEqual([
        {
          rule: 'xml-doctype',
          line: 3,
          message: expect.stringMatching(
            /^DOCTYPE declarations are not supported, nor the entities they declare/,
          ) as unknown,
        },
      ]);
    });

    it('refuses a bare DOCTYPE too', async () => {
      const xml = minimal.replace('<bpmn:definitions', '<!DOCTYPE bpmn:definitions>\n<bpmn:definitions');
      expect((await problemsOf(xml)).map((p) => [p.rule, p.line])).toEqual([['xml-doctype', 3]]);
    });

    it('does not mistake a DOCTYPE in a comment for one', async () => {
      expect(await problemsOf(withTaskName('Task').replace('<!-- start', '<!-- <!DOCTYPE x> start'))).toEqual([]);
    });
  });

  describe('characters XML does not allow', () => {
    it.each([
      ['NUL', '\u0000', 'U+0000'],
      ['BEL', '\u0007', 'U+0007'],
      ['ESC', '\u001b', 'U+001B'],
      ['U+FFFE', '\uFFFE', 'U+FFFE'],
      ['a lone surrogate', '\uD800', 'U+D800'],
    ])('refuses %s, naming the character and its line', async (_name, char, code) => {
      expect(await problemsOf(withTaskName(`Ta${char}sk`))).toEqual([
        {
          rule: 'xml-character',
          line: 6,
          message: expect.stringContaining(`character ${code}, which XML does not allow`) as unknown,
        },
      ]);
    });

    it.each([
      ['&#0;', 'U+0000'],
      ['&#x1F;', 'U+001F'],
      ['&#xFFFF;', 'U+FFFF'],
      ['&#1114112;', 'U+110000'],
    ])('refuses the character reference %s', async (ref, code) => {
      expect(await problemsOf(withTaskName(`Task ${ref}`))).toEqual([
        {
          rule: 'xml-character',
          line: 6,
          message: `the character reference ${ref} stands for ${code}, which XML does not allow`,
        },
      ]);
    });

    it('accepts tabs, line breaks, legal references and any character in comments and CDATA', async () => {
      expect(await problemsOf(withTaskName('Größe&#9;&#xE4;&#228; 処理 😀'))).toEqual([]);
      expect(await problemsOf(minimal.replace('<!-- start', '<!-- &#0; start'))).toEqual([]);
    });
  });

  describe('ids (XML NCNames)', () => {
    it('accepts letters of any script in ids, as Zeebe does', async () => {
      const c = await compileBpmn(fixture('unicode-ids.bpmn'));
      expect(c.problems).toEqual([]);
      const process = c.processes[0];
      expect(process?.id).toBe('Größe-prüfen');
      expect(process?.elements.get('処理')).toMatchObject({ incoming: ['zum_処理'], outgoing: ['zum_Ende'] });
      expect(process?.startEvents.get('Größe-prüfen')).toEqual(['開始']);
    });

    it.each([
      ['a leading digit', '1task'],
      ['a space', 'my task'],
      ['a leading hyphen', '-task'],
      ['a symbol', 'task@'],
    ])('still refuses an id with %s, naming it', async (_what, id) => {
      const xml = minimal.replace('id="task"', `id="${id}"`).replaceAll('"task"', `"${id}"`);
      const problems = await problemsOf(xml);
      expect(problems[0]).toMatchObject({ rule: 'xml-schema', line: 6 });
      expect(problems[0]?.message).toContain(`illegal ID <${id}>`);
    });

    it('still refuses a duplicate id', async () => {
      const problems = await problemsOf(minimal.replace('<bpmn:endEvent id="end" />', '<bpmn:endEvent id="task" />'));
      expect(problems.map((p) => p.message).join('\n')).toContain('duplicate ID <task>');
    });
  });
});

describe('a feature procos-engine lacks', () => {
  it('is named once as a feature, with no follow-on problem about what only fails because of it', async () => {
    const compiled = await compileBpmn(fixture('unsupported-events.bpmn'));
    expect(compiled.problems.map(formatProblem)).toEqual([
      "line 8, element 'e2': cancel end events are not supported by procos-engine [unsupported-event]",
      "line 11, element 'b': conditional boundary events are not supported by procos-engine [unsupported-event]",
      "line 12, element 'when': conditional intermediate catch events are not supported by procos-engine [unsupported-event]",
    ]);
  });
});

describe('script tasks', () => {
  const withScript = (attrs: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script ${attrs} /></bpmn:extensionElements></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f" sourceRef="start" targetRef="calc" />
  </bpmn:process>
</bpmn:definitions>`;

  it('with zeebe:script: evaluated by the engine, no job; the expression must be FEEL and have a resultVariable', async () => {
    const ok = await compileBpmn(withScript('expression="=1 + 2" resultVariable="three"'));
    expect(ok.problems).toEqual([]);
    expect(ok.processes[0]?.elements.get('calc')).toMatchObject({
      kind: 'scriptTask',
      script: { expression: { kind: 'feel', source: '1 + 2' }, resultVariable: 'three' },
    });
    expect(ok.processes[0]?.jobTypes).toEqual([]);
    const bad = await compileBpmn(withScript('expression="1 + 2"'));
    expect(bad.problems.map(formatProblem)).toEqual([
      "line 5, element 'calc': zeebe:script expression must be a FEEL expression starting with '=', got '1 + 2' [script]",
      "line 5, element 'calc': zeebe:script must have a resultVariable [script]",
    ]);
  });
});

describe('execution listeners', () => {
  const withListeners = (element: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    ${element}
    <bpmn:sequenceFlow id="f" sourceRef="start" targetRef="x" />
  </bpmn:process>
</bpmn:definitions>`;
  const listener = (eventType: string) =>
    `<bpmn:extensionElements><zeebe:executionListeners><zeebe:executionListener eventType="${eventType}" type="l" /></zeebe:executionListeners></bpmn:extensionElements>`;

  it('are refused where Zeebe does not run them: end listeners on gateways and error end events, start listeners on boundary events', async () => {
    const gateway = await compileBpmn(
      withListeners(`<bpmn:parallelGateway id="x">${listener('end')}</bpmn:parallelGateway>`),
    );
    expect(gateway.problems.map((p) => p.message)).toEqual([
      'end execution listeners are not supported on gateways; use start listeners of the element after the gateway',
    ]);
    const errorEnd = await compileBpmn(
      withListeners(
        `<bpmn:endEvent id="x">${listener('end')}<bpmn:errorEventDefinition errorRef="e" /></bpmn:endEvent>`,
      ).replace('<bpmn:process', '<bpmn:error id="e" errorCode="E" /><bpmn:process'),
    );
    expect(errorEnd.problems.map((p) => p.message)).toEqual([
      'end execution listeners are not supported on error end events; put them on the error catch event',
    ]);
    const ok = await compileBpmn(
      withListeners(`<bpmn:parallelGateway id="x">${listener('start')}</bpmn:parallelGateway>`),
    );
    expect(ok.problems).toEqual([]);
    expect(ok.processes[0]?.jobTypes).toEqual(['l']);
  });
});

describe('what Zeebe deploys although it looks wrong', () => {
  const model = (task: string, diagram = '') =>
    `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    ${task}
    <bpmn:sequenceFlow id="f" sourceRef="start" targetRef="t" />
  </bpmn:process>
  ${diagram}
</bpmn:definitions>`;

  it('a diagram that names a missing element (the diagram is not executed)', async () => {
    const c = await compileBpmn(
      model(
        '<bpmn:task id="t" />',
        '<bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="Process_gone" /></bpmndi:BPMNDiagram>',
      ),
    );
    expect(c.problems).toEqual([]);
  });

  it('retries="" as Modeler 1.0 wrote it: the default, 3', async () => {
    const c = await compileBpmn(
      model(
        '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="mail" retries="" /></bpmn:extensionElements></bpmn:serviceTask>',
      ),
    );
    expect(c.problems).toEqual([]);
    expect(c.processes[0]?.elements.get('t')?.job?.retries).toEqual({ kind: 'static', value: '3' });
  });
});
