export { compileDmn, type CompiledDmn } from './compile-dmn.js';
export { evaluateDecision, type DecisionResult, type EvaluatedDecision } from './evaluate-dmn.js';
export type * from './model.js';
