// Kubernetes memory quantities (the SandboxPolicy's script.memory) as a byte count for prlimit.
const SUFFIX: Record<string, number> = {
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

/** Bytes of a quantity such as 256Mi, 1G, 1e9 or 134217728; throws on anything else. */
export function quantityBytes(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^\+?((?:\d+(?:\.\d*)?)|(?:\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|[eE][+-]?\d+)?$/.exec(q);
  if (!m) throw new Error(`'${q}' is not a memory quantity (e.g. 256Mi, 1Gi)`);
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : (SUFFIX[suffix] ?? 1);
  return Math.floor(n * factor);
}
