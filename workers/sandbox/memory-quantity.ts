// Kubernetes memory quantities (the SandboxPolicy's script.memory) as a byte count for prlimit.
import { quantityValue } from '../../lib/kube/quantity.js';

/** Bytes of a quantity such as 256Mi, 1G, 1e9 or 134217728; throws on anything else. */
export function quantityBytes(q: string | number): number {
  try {
    return Math.floor(quantityValue(q));
  } catch {
    throw new Error(`'${String(q)}' is not a memory quantity (e.g. 256Mi, 1Gi)`);
  }
}
