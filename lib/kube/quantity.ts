// Kubernetes resource quantities (resource.Quantity's text forms: 500m, 2, 1.5Gi, 1e9, 128974848)
// as numbers of base units (cores, bytes), for comparing and capping — the operator caps a pool's
// resources by its SandboxPolicy, the worker turns script.memory into bytes for prlimit.
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^\+?((?:\d+(?:\.\d*)?)|(?:\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** The value of a quantity in base units; throws naming the text on anything else (negative included). */
export function quantityValue(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(q);
  if (!m) throw new Error(`'${q}' is not a Kubernetes quantity (e.g. 500m, 2, 256Mi, 1Gi)`);
  const suffix = m[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : (SUFFIX[suffix] ?? 1);
  return Number(m[1]) * factor;
}
