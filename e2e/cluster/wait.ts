// Waiting for an observable condition in e2e tests: poll with a deadline that fails saying what
// did not happen and what was last seen — never a fixed sleep, never a silent give-up.

/** Polls `probe` until it returns something other than undefined/false; throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  o: { timeoutMs?: number; intervalMs?: number; lastSeen?: () => string } = {},
): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) {
      const seen = o.lastSeen ? `; last seen: ${o.lastSeen()}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${seen}`);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 200));
  }
}
