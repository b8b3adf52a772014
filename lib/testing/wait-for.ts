// The one way tests wait (engine and e2e alike): for an observable condition, with a deadline that only bounds a
// failure and then says what did not happen and what was seen last — never a silent give-up,
// never a sleep that hopes the machine is fast enough (issue 8).

export interface WaitOptions {
  /** Generous on purpose: it only bounds a failure; a passing test never waits it out. */
  timeoutMs?: number;
  /** Pause between probes. */
  everyMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** What is awaited, for the timeout message; a function when it is only known at the end. */
export type What = string | (() => string);

/** Resolves with the first value of `probe` that is not undefined. */
export async function waitFor<T>(
  what: What,
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions = {},
): Promise<T> {
  return poll(what, probe, (v): v is T => v !== undefined, options);
}

/** Reads until `done` holds for what was read; on a timeout the message shows the last read. */
export async function waitUntil<T, S extends T>(
  what: What,
  read: () => Promise<T> | T,
  done: (value: T) => value is S,
  options?: WaitOptions,
): Promise<S>;
export async function waitUntil<T>(
  what: What,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  options?: WaitOptions,
): Promise<T>;
export async function waitUntil<T>(
  what: What,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  options: WaitOptions = {},
): Promise<T> {
  return poll(what, read, (v): v is T => done(v), options, true);
}

async function poll<R, T extends R>(
  what: What,
  read: () => Promise<R> | R,
  done: (value: R) => value is T,
  options: WaitOptions,
  showLast = false,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let last: { value: unknown } | undefined;
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
      if (showLast) last = { value };
    } catch (err) {
      // A probe that throws (a server not up yet) is retried; its error explains a timeout.
      last = { value: err };
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${last ? `; last seen: ${describe(last.value)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, options.everyMs ?? 20));
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  // JSON.stringify(undefined) is undefined, whatever its declared type says.
  const json = JSON.stringify(value) as string | undefined;
  const text = typeof value === 'string' ? value : (json ?? String(value));
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
