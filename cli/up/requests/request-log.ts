// Every request the ingress accepted, by request id, in SQLite under the state folder: what
// makes a retried request idempotent (the id is the primary key, so a duplicate never becomes
// a second instance), what GET /requests/{id} answers, and what survives a restart.
//
// States: accepted (published to the engine) → running (its instance tracked itself, so the
// instance key is known) → completed | failed. `unconfirmed`: accepted, yet its instance never
// reported within the engine's de-duplication window, so publishing again could start a second
// instance; it is left for a person to check, like startOnDeploy's Unconfirmed.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type RequestState = 'accepted' | 'running' | 'completed' | 'failed' | 'unconfirmed';

export interface RequestRecord {
  id: string;
  type: string;
  payload: unknown;
  state: RequestState;
  instanceKey?: string;
  result?: unknown;
  error?: string;
  /** Where the answer goes besides the log (an AMQP reply queue). */
  replyTo?: string;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  type: string;
  payload: string;
  state: RequestState;
  instance_key: string | null;
  result: string | null;
  error: string | null;
  reply_to: string | null;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): RequestRecord {
  return {
    id: r.id,
    type: r.type,
    payload: JSON.parse(r.payload) as unknown,
    state: r.state,
    ...(r.instance_key ? { instanceKey: r.instance_key } : {}),
    ...(r.result !== null ? { result: JSON.parse(r.result) as unknown } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    ...(r.reply_to !== null ? { replyTo: r.reply_to } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class RequestLog {
  private readonly db: Database.Database;

  constructor(
    file: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    // WAL: readers (GET /requests/{id}) never wait for the writer; synchronous=NORMAL is
    // durable across a crash of this process, which is the failure that matters here.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS requests (
      id TEXT PRIMARY KEY, type TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL,
      instance_key TEXT, result TEXT, error TEXT, reply_to TEXT,
      created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
    this.db.exec('CREATE INDEX IF NOT EXISTS requests_state ON requests (state)');
  }

  /** Records a new request; returns the existing record instead when the id is known. */
  insert(r: { id: string; type: string; payload: unknown; replyTo?: string }): {
    record: RequestRecord;
    created: boolean;
  } {
    const at = this.now().toISOString();
    const info = this.db
      .prepare(
        `INSERT INTO requests (id, type, payload, state, reply_to, created_at, updated_at)
         VALUES (?, ?, ?, 'accepted', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(r.id, r.type, JSON.stringify(r.payload ?? null), r.replyTo ?? null, at, at);
    const record = this.get(r.id);
    if (!record) throw new Error(`request ${r.id} was not stored`);
    return { record, created: info.changes === 1 };
  }

  get(id: string): RequestRecord | undefined {
    const row = this.db.prepare('SELECT * FROM requests WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** The instance of the request tracked itself: it runs, and this is its key. */
  running(id: string, instanceKey: string): RequestRecord | undefined {
    this.db
      .prepare(
        `UPDATE requests SET state = 'running', instance_key = ?, updated_at = ?
         WHERE id = ? AND state IN ('accepted', 'unconfirmed')`,
      )
      .run(instanceKey, this.now().toISOString(), id);
    return this.get(id);
  }

  /** The request process answered (completed or failed); the first answer counts. */
  finished(
    id: string,
    o: { instanceKey: string; result?: unknown; error?: string; failed: boolean },
  ): RequestRecord | undefined {
    this.db
      .prepare(
        `UPDATE requests SET state = ?, instance_key = ?, result = ?, error = ?, updated_at = ?
         WHERE id = ? AND state NOT IN ('completed', 'failed')`,
      )
      .run(
        o.failed ? 'failed' : 'completed',
        o.instanceKey,
        o.result === undefined ? null : JSON.stringify(o.result),
        o.error ?? null,
        this.now().toISOString(),
        id,
      );
    return this.get(id);
  }

  /** Requests still `accepted` (published, never tracked): the ones to publish again after a restart. */
  pending(): RequestRecord[] {
    return (this.db.prepare(`SELECT * FROM requests WHERE state = 'accepted'`).all() as Row[]).map(fromRow);
  }

  unconfirmed(id: string, why: string): void {
    this.db
      .prepare(
        `UPDATE requests SET state = 'unconfirmed', error = ?, updated_at = ? WHERE id = ? AND state = 'accepted'`,
      )
      .run(why, this.now().toISOString(), id);
  }

  counts(): Record<RequestState, number> {
    const counts: Record<RequestState, number> = { accepted: 0, running: 0, completed: 0, failed: 0, unconfirmed: 0 };
    for (const r of this.db.prepare('SELECT state, count(*) AS n FROM requests GROUP BY state').all() as {
      state: RequestState;
      n: number;
    }[])
      counts[r.state] = r.n;
    return counts;
  }

  close(): void {
    this.db.close();
  }
}
