// EvaluateDecision: by decisionKey or decisionId; the evaluation as Zeebe's response, with
// outputs and input values as JSON text.
import type { Engine } from '../processor/engine.js';
import { evaluateDecisionCommand, type DecisionEvaluation } from '../commands/evaluate-decision.js';
import type { EvaluatedDecision } from './generated/gateway_protocol/EvaluatedDecision.js';
import { checkTenant, DEFAULT_TENANT, readInt64, writeInt64, type RequestOf, type ResponseOf } from './gateway-rpc.js';

export function evaluateDecision(engine: Engine, r: RequestOf<'EvaluateDecision'>): ResponseOf<'EvaluateDecision'> {
  checkTenant(r.tenantId);
  const e = evaluateDecisionCommand(engine, readInt64(r.decisionKey), r.decisionId, r.variables);
  return {
    decisionKey: writeInt64(e.decisionKey),
    decisionId: e.decisionId,
    decisionName: e.decisionName,
    decisionVersion: e.decisionVersion,
    decisionRequirementsId: e.decisionRequirementsId,
    decisionRequirementsKey: writeInt64(e.decisionRequirementsKey),
    decisionOutput: e.decisionOutput,
    evaluatedDecisions: e.evaluatedDecisions.map(evaluatedDecision),
    failedDecisionId: e.failedDecisionId,
    failureMessage: e.failureMessage,
    tenantId: DEFAULT_TENANT,
    decisionInstanceKey: writeInt64(e.decisionInstanceKey),
  };
}

/** A value as JSON text; null when there is none. */
const json = (value: unknown): string => JSON.stringify(value ?? null);

function evaluatedDecision(d: DecisionEvaluation['evaluatedDecisions'][number]): Required<EvaluatedDecision> {
  return {
    decisionKey: writeInt64(d.decisionKey),
    decisionId: d.decisionId,
    decisionName: d.decisionName,
    decisionVersion: d.decisionVersion,
    decisionType: d.decisionType,
    decisionOutput: json(d.output),
    tenantId: DEFAULT_TENANT,
    evaluatedInputs: d.inputs.map((i) => ({ inputId: i.inputId, inputName: i.inputName, inputValue: json(i.value) })),
    matchedRules: d.matchedRules.map((m) => ({
      ruleId: m.ruleId,
      ruleIndex: m.ruleIndex,
      evaluatedOutputs: m.outputs.map((o) => ({
        outputId: o.outputId,
        outputName: o.outputName,
        outputValue: json(o.value),
      })),
    })),
  };
}
