// Parses DMN 1.3 XML with dmn-moddle and checks what the engine evaluates: decision tables
// (UNIQUE, FIRST, ANY, RULE ORDER, COLLECT with SUM/MIN/MAX/COUNT) and literal expressions.
import { createHash } from 'node:crypto';
import { DmnModdle } from 'dmn-moddle';
import { feelSyntaxError } from '../feel/index.js';
import type { BpmnProblem } from '../bpmn/index.js';
import type { Aggregation, DecisionModel, DecisionRequirementsModel, HitPolicy } from './model.js';

interface Node {
  $type: string;
  id?: string;
  name?: string;
  text?: string;
  [key: string]: unknown;
}

const list = (n: Node | undefined, key: string): Node[] => (Array.isArray(n?.[key]) ? (n[key] as Node[]) : []);
const one = (n: Node | undefined, key: string): Node | undefined =>
  n?.[key] && typeof n[key] === 'object' ? (n[key] as Node) : undefined;

export interface CompiledDmn {
  drg?: DecisionRequirementsModel;
  problems: BpmnProblem[];
  checksum: string;
}

let moddle: DmnModdle | undefined;

export async function compileDmn(xml: string): Promise<CompiledDmn> {
  const checksum = createHash('sha256').update(xml).digest('hex');
  const problems: BpmnProblem[] = [];
  let root: Node;
  try {
    moddle ??= new DmnModdle();
    const parsed = (await moddle.fromXML(xml, 'dmn:Definitions')) as {
      rootElement: Node;
      warnings: { message: string }[];
    };
    root = parsed.rootElement;
    for (const w of parsed.warnings)
      problems.push({ rule: 'xml-schema', message: w.message.split('\n')[0] ?? w.message });
  } catch (err) {
    problems.push({
      rule: 'xml-syntax',
      message: `malformed DMN XML: ${(err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''}`,
    });
    return { problems, checksum };
  }
  const decisions = list(root, 'drgElement')
    .filter((e) => e.$type === 'dmn:Decision')
    .map((d) => compileDecision(d, problems));
  if (decisions.length === 0) problems.push({ rule: 'decision', message: 'the DMN contains no decision' });
  const ids = new Set(decisions.map((d) => d.id));
  for (const d of decisions) {
    for (const r of d.requiredDecisions)
      if (!ids.has(r))
        problems.push({
          rule: 'required-decision',
          elementId: d.id,
          message: `required decision '${r}' is not in this DMN`,
        });
  }
  return { drg: { id: root.id ?? '', name: root.name ?? root.id ?? '', decisions }, problems, checksum };
}

function compileDecision(d: Node, problems: BpmnProblem[]): DecisionModel {
  const id = d.id ?? '';
  const problem = (message: string): void => {
    problems.push({ rule: 'decision', elementId: id, message });
  };
  const feel = (text: string | undefined, what: string, unaryTests = false): string => {
    const source = (text ?? '').trim();
    if (unaryTests && (source === '' || source === '-')) return '-';
    const error = feelSyntaxError(unaryTests ? `? in (${source})` : source);
    if (error) problem(`${what}: ${error}`);
    return source;
  };
  const requiredDecisions = list(d, 'informationRequirement')
    .map((r) => (one(r, 'requiredDecision') as { href?: string } | undefined)?.href ?? '')
    .filter(Boolean)
    .map((href) => href.replace(/^#/, ''));
  const logic = one(d, 'decisionLogic');
  const base = { id, name: d.name ?? id, requiredDecisions };
  if (logic?.$type === 'dmn:LiteralExpression')
    return { ...base, logic: { kind: 'literal', expression: feel(logic.text, 'literal expression') } };
  if (logic?.$type !== 'dmn:DecisionTable') {
    problem(
      `decision logic ${logic?.$type ?? '(none)'} is not supported; use a decision table or a literal expression`,
    );
    return { ...base, logic: { kind: 'literal', expression: 'null' } };
  }
  const hitPolicy = (typeof logic.hitPolicy === 'string' ? logic.hitPolicy : 'UNIQUE') as HitPolicy;
  if (!['UNIQUE', 'FIRST', 'ANY', 'RULE ORDER', 'COLLECT'].includes(hitPolicy))
    problem(`hit policy ${hitPolicy} is not supported`);
  const inputs = list(logic, 'input').map((i, n) => ({
    id: i.id ?? `input-${n}`,
    label: i.label as string | undefined,
    expression: feel(
      one(i, 'inputExpression')?.text,
      `input '${typeof i.label === 'string' ? i.label : (i.id ?? '')}'`,
    ),
  }));
  const outputs = list(logic, 'output').map((o, n) => ({
    id: o.id ?? `output-${n}`,
    name: o.name ?? (list(logic, 'output').length === 1 ? '' : `output${n}`),
    label: o.label as string | undefined,
  }));
  const rules = list(logic, 'rule').map((r, index) => {
    const inputEntries = list(r, 'inputEntry').map((e) => feel(e.text, `rule '${r.id ?? index}' input`, true));
    const outputEntries = list(r, 'outputEntry').map((e) => feel(e.text, `rule '${r.id ?? index}' output`));
    if (inputEntries.length !== inputs.length || outputEntries.length !== outputs.length)
      problem(`rule '${r.id ?? index}' must have one entry per input and output`);
    return { id: r.id ?? `rule-${index}`, index: index + 1, inputEntries, outputEntries };
  });
  return {
    ...base,
    logic: {
      kind: 'table',
      hitPolicy,
      aggregation: logic.aggregation as Aggregation | undefined,
      inputs,
      outputs,
      rules,
    },
  };
}
