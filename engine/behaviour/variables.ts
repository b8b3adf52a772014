// Variable scopes (docs/zeebe-compatibility.md C19, C24, C25): each element instance is a scope; a scope sees its own
// variables and those of every enclosing scope; merged documents propagate upward.
import { evaluateExpression, type FeelResult } from '../../lib/feel/index.js';
import type { Mapping } from '../../lib/bpmn/index.js';
import type { Transaction } from '../processor/transaction.js';

/** What reading variables needs of a transaction (the REST API reads without one). */
type StateView = Pick<Transaction, 'state'>;

export function scopeChain(tx: StateView, scopeKey: number): number[] {
  const chain: number[] = [];
  for (let k: number | undefined = scopeKey; k !== undefined && k >= 0;) {
    const el = tx.state.elements.get(k);
    if (!el) break;
    chain.push(k);
    k = el.kind === 'process' ? undefined : el.flowScopeKey;
  }
  return chain;
}

/** All variables visible from a scope; inner scopes shadow outer ones. */
export function visibleVariables(tx: StateView, scopeKey: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of scopeChain(tx, scopeKey).reverse()) {
    for (const [name, value] of tx.state.variables.get(k) ?? []) out[name] = value;
  }
  return out;
}

export function setLocal(tx: Transaction, scopeKey: number, name: string, value: unknown): void {
  const el = tx.state.elements.get(scopeKey);
  tx.emit({ type: 'VARIABLE_SET', scopeKey, processInstanceKey: el?.processInstanceKey ?? scopeKey, name, value });
}

/**
 * Each variable updates the nearest scope that has it, else is created at the root scope — or,
 * inside an ad-hoc subprocess, at the scope of the activation it belongs to (they stay local).
 */
export function propagate(tx: Transaction, fromScopeKey: number, document: Record<string, unknown>): void {
  let chain = scopeChain(tx, fromScopeKey);
  const boundary = chain.findIndex((k) => tx.state.elements.get(k)?.kind === 'adHocInner');
  if (boundary >= 0) chain = chain.slice(0, boundary + 1);
  const root = chain[chain.length - 1];
  if (root === undefined) return;
  for (const [name, value] of Object.entries(document)) {
    const owner = chain.find((k) => tx.state.variables.get(k)?.has(name)) ?? root;
    setLocal(tx, owner, name, value);
  }
}

/**
 * Evaluates mappings in order against `context`; each result is visible to the next mapping.
 * Nested targets (`a.b`) build or merge objects.
 */
export function evaluateMappings(
  mappings: Mapping[],
  context: Record<string, unknown>,
): { ok: true; result: Record<string, unknown> } | { ok: false; error: string } {
  const result: Record<string, unknown> = {};
  for (const m of mappings) {
    const r: FeelResult = evaluateExpression(m.source, { ...context, ...result });
    if (!r.ok) return { ok: false, error: r.error };
    assignPath(result, m.target.split('.'), r.value, context);
  }
  return { ok: true, result };
}

function assignPath(
  target: Record<string, unknown>,
  path: string[],
  value: unknown,
  context: Record<string, unknown>,
): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const existing = target[head] ?? context[head];
  const obj =
    existing !== null && typeof existing === 'object' && !Array.isArray(existing)
      ? { ...(existing as Record<string, unknown>) }
      : {};
  assignPath(obj, rest, value, {});
  target[head] = obj;
}
