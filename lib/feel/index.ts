export {
  expressionOf,
  feelSyntaxError,
  evaluateFeel,
  evaluateExpression,
  type Expression,
  type FeelResult,
} from './feel.js';
