// Evaluates a decision with its required decisions first; each required decision's result is
// visible to the next under its decision id, as in Camunda.
import { evaluateFeel } from '../feel/index.js';
import { unaryTest } from 'feelin';
import type { DecisionModel, DecisionRequirementsModel, DecisionTable } from './model.js';

export interface EvaluatedDecision {
  decisionId: string;
  decisionName: string;
  decisionType: 'DECISION_TABLE' | 'LITERAL_EXPRESSION';
  output: unknown;
  matchedRules: {
    ruleId: string;
    ruleIndex: number;
    outputs: { outputId: string; outputName: string; value: unknown }[];
  }[];
  inputs: { inputId: string; inputName: string; value: unknown }[];
}

export type DecisionResult =
  | { ok: true; output: unknown; evaluated: EvaluatedDecision[] }
  | { ok: false; failedDecisionId: string; failureMessage: string; evaluated: EvaluatedDecision[] };

class DecisionFailure extends Error {
  constructor(
    readonly decisionId: string,
    message: string,
  ) {
    super(message);
  }
}

export function evaluateDecision(
  drg: DecisionRequirementsModel,
  decisionId: string,
  variables: Record<string, unknown>,
): DecisionResult {
  const evaluated: EvaluatedDecision[] = [];
  const done = new Map<string, unknown>();
  const run = (id: string, trail: string[]): unknown => {
    if (done.has(id)) return done.get(id);
    const d = drg.decisions.find((x) => x.id === id);
    if (!d) throw new DecisionFailure(id, `no decision '${id}' in '${drg.id}'`);
    if (trail.includes(id))
      throw new DecisionFailure(id, `decisions require each other in a cycle: ${[...trail, id].join(' → ')}`);
    const context = { ...variables };
    for (const r of d.requiredDecisions) context[r] = run(r, [...trail, id]);
    const e = evaluateOne(d, context);
    evaluated.push(e);
    done.set(id, e.output);
    return e.output;
  };
  try {
    return { ok: true, output: run(decisionId, []), evaluated };
  } catch (err) {
    if (err instanceof DecisionFailure)
      return { ok: false, failedDecisionId: err.decisionId, failureMessage: err.message, evaluated };
    throw err;
  }
}

function evaluateOne(d: DecisionModel, context: Record<string, unknown>): EvaluatedDecision {
  const base = { decisionId: d.id, decisionName: d.name };
  if (d.logic.kind === 'literal') {
    const r = evaluateFeel(d.logic.expression, context);
    if (!r.ok) throw new DecisionFailure(d.id, `failed to evaluate decision '${d.id}': ${r.error}`);
    return { ...base, decisionType: 'LITERAL_EXPRESSION', output: r.value, matchedRules: [], inputs: [] };
  }
  return evaluateTable(d, d.logic, context);
}

function evaluateTable(d: DecisionModel, t: DecisionTable, context: Record<string, unknown>): EvaluatedDecision {
  const inputs = t.inputs.map((i) => {
    const r = evaluateFeel(i.expression, context);
    if (!r.ok)
      throw new DecisionFailure(
        d.id,
        `failed to evaluate input '${i.label ?? i.id}' of decision '${d.id}': ${r.error}`,
      );
    return { inputId: i.id, inputName: i.label ?? i.expression, value: r.value };
  });
  const matched = t.rules.filter((rule) =>
    rule.inputEntries.every(
      (entry, n) =>
        entry === '-' || unaryTest(entry, { ...context, '?': inputs[n]?.value ?? null }, 'camunda').value === true,
    ),
  );
  const matchedRules = (t.hitPolicy === 'FIRST' ? matched.slice(0, 1) : matched).map((rule) => ({
    ruleId: rule.id,
    ruleIndex: rule.index,
    outputs: rule.outputEntries.map((entry, n) => {
      const r = evaluateFeel(entry, context);
      if (!r.ok)
        throw new DecisionFailure(
          d.id,
          `failed to evaluate output of rule '${rule.id}' in decision '${d.id}': ${r.error}`,
        );
      const out = t.outputs[n];
      return { outputId: out?.id ?? '', outputName: out?.name ?? '', value: r.value };
    }),
  }));
  const values = matchedRules.map((m) =>
    t.outputs.length === 1 ? m.outputs[0]?.value : Object.fromEntries(m.outputs.map((o) => [o.outputName, o.value])),
  );
  return {
    decisionId: d.id,
    decisionName: d.name,
    decisionType: 'DECISION_TABLE',
    output: hit(d.id, t, values),
    matchedRules,
    inputs,
  };
}

function hit(decisionId: string, t: DecisionTable, values: unknown[]): unknown {
  switch (t.hitPolicy) {
    case 'UNIQUE':
      if (values.length > 1)
        throw new DecisionFailure(
          decisionId,
          `hit policy UNIQUE of decision '${decisionId}' matched ${values.length} rules`,
        );
      return values[0] ?? null;
    case 'FIRST':
      return values[0] ?? null;
    case 'ANY':
      if (new Set(values.map((v) => JSON.stringify(v))).size > 1)
        throw new DecisionFailure(
          decisionId,
          `hit policy ANY of decision '${decisionId}' matched rules with different outputs`,
        );
      return values[0] ?? null;
    case 'RULE ORDER':
      return values;
    case 'COLLECT': {
      if (!t.aggregation) return values;
      if (t.aggregation === 'COUNT') return values.length;
      const numbers = values.filter((v): v is number => typeof v === 'number');
      if (!numbers.length) return null;
      return t.aggregation === 'SUM'
        ? numbers.reduce((a, b) => a + b, 0)
        : t.aggregation === 'MIN'
          ? Math.min(...numbers)
          : Math.max(...numbers);
    }
  }
}
