// V8 settings the operator runs with (NODE_OPTIONS): a small young generation and a bounded
// old space keep its RSS low with 1000+ objects cached (bench/reconcile: 187 → 145 MB at 200
// CRs). Tests and benchmarks start the operator with them; deployments must set them too.
export const OPERATOR_NODE_OPTIONS = '--max-semi-space-size=2 --max-old-space-size=192';
