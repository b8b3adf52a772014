// Where the WorkerPool scaler learns how many jobs wait (issue 11): one port, one adapter per
// engine. procos-engine answers its read API (`GET /v1/jobs/backlog`: activatable jobs per
// type); Camunda 8.8+ answers its REST job search (`POST /v2/jobs/search`, jobs in state CREATED
// of a type: those not yet completed, failed or cancelled, so jobs being worked on count too).
// A source that cannot answer throws BacklogUnavailable: the pool then keeps its size and says so.

export interface BacklogReading {
  /** Jobs waiting per task type asked for (0 for a type with none). */
  byType: Record<string, number>;
  total: number;
}

export interface BacklogSource {
  /** For conditions and logs, e.g. "procos-engine http://engine:9600". */
  readonly description: string;
  read(taskTypes: readonly string[]): Promise<BacklogReading>;
}

export class BacklogUnavailable extends Error {
  constructor(source: string, why: string) {
    super(`${source}: ${why}`);
    this.name = 'BacklogUnavailable';
  }
}

function reading(taskTypes: readonly string[], count: (type: string) => number): BacklogReading {
  const byType = Object.fromEntries(taskTypes.map((t) => [t, count(t)]));
  return { byType, total: Object.values(byType).reduce((a, b) => a + b, 0) };
}

async function fetchJson(description: string, url: string, init: RequestInit, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new BacklogUnavailable(
      description,
      `${url} did not answer (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const body = await res.text();
  if (!res.ok) throw new BacklogUnavailable(description, `${url} answered ${res.status}: ${body.slice(0, 300)}`);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new BacklogUnavailable(description, `${url} answered something other than JSON: ${body.slice(0, 300)}`);
  }
}

/** procos-engine's read API on its monitoring port. */
export class ProcosEngineBacklog implements BacklogSource {
  readonly description: string;

  constructor(
    private readonly monitoringUrl: string,
    /** Headers per request: the read API takes the engine's credentials (procos-engine --auth). */
    private readonly headers: () => Promise<Record<string, string>> = () => Promise.resolve({}),
    private readonly timeoutMs = 5000,
  ) {
    this.description = `procos-engine ${monitoringUrl}`;
  }

  async read(taskTypes: readonly string[]): Promise<BacklogReading> {
    const body = await fetchJson(
      this.description,
      new URL('/v1/jobs/backlog', this.monitoringUrl).href,
      { headers: await this.headers() },
      this.timeoutMs,
    );
    if (typeof body !== 'object' || body === null)
      throw new BacklogUnavailable(this.description, 'the backlog is not a JSON object');
    const perType = body as Record<string, { activatable?: unknown } | undefined>;
    return reading(taskTypes, (t) => {
      const n = perType[t]?.activatable;
      return typeof n === 'number' ? n : 0;
    });
  }
}

/** Camunda 8.8+ Orchestration Cluster REST API: one search per type, reading only the total. */
export class CamundaJobSearchBacklog implements BacklogSource {
  readonly description: string;

  constructor(
    private readonly restUrl: string,
    /** Headers per request (e.g. a bearer token from the SDK's OAuth provider). */
    private readonly headers: () => Promise<Record<string, string>> = () => Promise.resolve({}),
    private readonly timeoutMs = 5000,
  ) {
    this.description = `Camunda REST ${restUrl}`;
  }

  async read(taskTypes: readonly string[]): Promise<BacklogReading> {
    const url = new URL('/v2/jobs/search', this.restUrl).href;
    const counts = new Map<string, number>();
    for (const type of taskTypes) {
      const body = await fetchJson(
        this.description,
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await this.headers()) },
          body: JSON.stringify({ filter: { type, state: 'CREATED' }, page: { limit: 1 } }),
        },
        this.timeoutMs,
      );
      const total = (body as { page?: { totalItems?: unknown } } | null)?.page?.totalItems;
      if (typeof total !== 'number')
        throw new BacklogUnavailable(this.description, `no page.totalItems in the answer for ${type}`);
      counts.set(type, total);
    }
    return reading(taskTypes, (t) => counts.get(t) ?? 0);
  }
}
