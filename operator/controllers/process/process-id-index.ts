// Process ids are global in an engine: two ProcOSProcesses (in any namespaces) deploying the
// same id would silently bump each other's "latest" version. This index knows which resource
// claims which id; the oldest claimant (creationTimestamp, then namespace/name) owns it.
export class ProcessIdIndex {
  private readonly idByUid = new Map<string, string>();
  private readonly uidsById = new Map<string, Set<string>>();

  idOf(uid: string): string | undefined {
    return this.idByUid.get(uid);
  }

  claimants(id: string): string[] {
    return [...(this.uidsById.get(id) ?? [])];
  }

  /** Records the id `uid` deploys (undefined: none); returns the ids whose claimants changed. */
  claim(uid: string, id: string | undefined): string[] {
    const old = this.idByUid.get(uid);
    if (old === id) return [];
    if (old !== undefined) {
      const set = this.uidsById.get(old);
      set?.delete(uid);
      if (set && !set.size) this.uidsById.delete(old);
      this.idByUid.delete(uid);
    }
    if (id !== undefined) {
      this.idByUid.set(uid, id);
      const set = this.uidsById.get(id) ?? new Set<string>();
      set.add(uid);
      this.uidsById.set(id, set);
    }
    return [old, id].filter((x): x is string => x !== undefined);
  }

  release(uid: string): string[] {
    return this.claim(uid, undefined);
  }
}

export interface Claimant {
  namespace?: string;
  name: string;
  creationTimestamp?: string;
  /** Whether status shows it deployed the id (and not as a duplicate). */
  holds: boolean;
}

/**
 * Negative when `a` owns a shared id before `b`: created first; in the same second
 * (creationTimestamp has no more precision) the one that already deployed it, so a burst of
 * creations does not hand the id to a later resource; then by namespace/name.
 */
export function ownsBefore(a: Claimant, b: Claimant): number {
  const ta = a.creationTimestamp ?? '';
  const tb = b.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.holds !== b.holds) return a.holds ? -1 : 1;
  const ka = `${a.namespace ?? ''}/${a.name}`;
  const kb = `${b.namespace ?? ''}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
