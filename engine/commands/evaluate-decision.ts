// EvaluateDecision: by decisionKey, or by decisionId (latest version).
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { evaluateDeployed } from '../behaviour/decisions.js';
import type { EvaluatedDecision } from '../../lib/dmn/index.js';
import { parseVariablesDocument } from './variables-document.js';

export interface DecisionEvaluation {
  decisionKey: number;
  decisionId: string;
  decisionName: string;
  decisionVersion: number;
  decisionRequirementsId: string;
  decisionRequirementsKey: number;
  decisionOutput: string;
  evaluatedDecisions: (EvaluatedDecision & { decisionKey: number; decisionVersion: number })[];
  failedDecisionId: string;
  failureMessage: string;
  decisionInstanceKey: number;
}

export function evaluateDecisionCommand(
  engine: Engine,
  decisionKey: number,
  decisionId: string,
  variablesText: string,
): DecisionEvaluation {
  const s = engine.state;
  const decision =
    decisionKey > 0 ? s.decisions.get(decisionKey) : s.latestOf(s.decisionVersions, s.decisions, decisionId);
  if (!decision) {
    const which = decisionKey > 0 ? `key '${decisionKey}'` : `id '${decisionId}'`;
    throw new Rejection(
      'EVALUATE',
      'NOT_FOUND',
      `Expected to evaluate decision with ${which}, but no such decision found`,
    );
  }
  const variables = parseVariablesDocument('EVALUATE', variablesText);
  const drg = s.drgs.get(decision.drgKey);
  const result = evaluateDeployed(s, decision, variables);
  const keyOf = (id: string): { decisionKey: number; decisionVersion: number } => {
    const d = (drg?.decisionKeys ?? []).map((k) => s.decisions.get(k)).find((x) => x?.decisionId === id);
    return { decisionKey: d?.key ?? 0, decisionVersion: d?.version ?? 0 };
  };
  const decisionInstanceKey = engine.execute((tx) => {
    const key = tx.nextKey();
    tx.emit({ type: 'DECISION_EVALUATED', key, decisionKey: decision.key });
    return key;
  });
  return {
    decisionKey: decision.key,
    decisionId: decision.decisionId,
    decisionName: decision.name,
    decisionVersion: decision.version,
    decisionRequirementsId: drg?.drgId ?? '',
    decisionRequirementsKey: decision.drgKey,
    decisionOutput: result.ok ? JSON.stringify(result.output) : '',
    evaluatedDecisions: result.evaluated.map((e) => ({ ...e, ...keyOf(e.decisionId) })),
    failedDecisionId: result.ok ? '' : result.failedDecisionId,
    failureMessage: result.ok ? '' : result.failureMessage,
    decisionInstanceKey,
  };
}
