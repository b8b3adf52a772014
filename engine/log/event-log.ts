// The durable record of accepted commands' events. SQLite (better-sqlite3) in WAL mode: a
// committed transaction survives `kill -9` of the engine (it is in the OS page cache and the
// WAL); synchronous=NORMAL trades only power-loss durability for speed.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../state/events.js';
import { decodeBatch, encodeBatch } from './event-codec.js';

export interface EventLog {
  /** Appends all events atomically; returns after they are durable. */
  append(events: readonly EngineEvent[]): void;
  /** The newest snapshot: the state after every event up to `seq`. */
  latestSnapshot(): Snapshot | undefined;
  /** Saves a snapshot of the state after everything appended so far; older ones go. */
  saveSnapshot(encode: () => Buffer): void;
  /** The events after `afterSeq` (a snapshot's), or all of them, in order. */
  replay(afterSeq?: number): Iterable<EngineEvent>;
  close(): void;
}

export interface Snapshot {
  seq: number;
  state: Buffer;
}

export class MemoryEventLog implements EventLog {
  // In-memory mode keeps no history: nothing survives the process anyway.
  append(): void {
    /* nothing to keep */
  }
  latestSnapshot(): undefined {
    return undefined;
  }
  saveSnapshot(): void {
    /* nothing to keep */
  }
  replay(): Iterable<EngineEvent> {
    return [];
  }
  close(): void {
    /* nothing to release */
  }
}

/**
 * One row per commit: the events of every command of one event-loop turn, as a JSON array of
 * rows (event-codec.ts; one insert per group commit instead of one per event). Rows of the
 * older one-event-per-row table `events` are replayed first. `snapshots` keeps the newest
 * snapshot with the seq of the last batch it includes; the batches stay (they are the history).
 */
export class SqliteEventLog implements EventLog {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string]>;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'events.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // No AUTOINCREMENT: batches are never deleted, so the rowid already only grows, and
    // AUTOINCREMENT's sqlite_sequence row was a second page written by every commit (logs made
    // before keep their table as it is).
    this.db.exec('CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY, events TEXT NOT NULL)');
    this.db.exec('CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, state BLOB NOT NULL)');
    this.insert = this.db.prepare('INSERT INTO batches (events) VALUES (?)');
  }

  latestSnapshot(): Snapshot | undefined {
    return this.db.prepare('SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1').get() as Snapshot | undefined;
  }

  saveSnapshot(encode: () => Buffer): void {
    const state = encode();
    this.db.transaction(() => {
      const { seq } = this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM batches').get() as { seq: number };
      this.db.prepare('INSERT OR REPLACE INTO snapshots (seq, state) VALUES (?, ?)').run(seq, state);
      this.db.prepare('DELETE FROM snapshots WHERE seq < ?').run(seq);
    })();
  }

  append(events: readonly EngineEvent[]): void {
    if (events.length) this.insert.run(encodeBatch(events));
  }

  replay(afterSeq?: number): Iterable<EngineEvent> {
    return readEvents(this.db, afterSeq);
  }

  close(): void {
    this.db.close();
  }
}

/** Events of the batches after `afterSeq` (all, with the legacy table first, without it). */
function* readEvents(db: Database.Database, afterSeq?: number): Iterable<EngineEvent> {
  const legacy = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
  if (legacy && afterSeq === undefined) {
    for (const row of db.prepare('SELECT event FROM events ORDER BY seq').iterate())
      yield JSON.parse((row as { event: string }).event) as EngineEvent;
  }
  for (const row of db.prepare('SELECT events FROM batches WHERE seq > ? ORDER BY seq').iterate(afterSeq ?? 0))
    yield* decodeBatch((row as { events: string }).events);
}

/** Every event in a data directory's log, read-only (tests and tools, while the engine runs). */
export function readEventLog(dataDir: string): EngineEvent[] {
  const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
  try {
    return [...readEvents(db)];
  } finally {
    db.close();
  }
}
