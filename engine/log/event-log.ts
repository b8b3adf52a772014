// The durable record of accepted commands' events. SQLite (better-sqlite3) in WAL mode: a
// committed transaction survives `kill -9` of the engine (it is in the OS page cache and the
// WAL); synchronous=NORMAL trades only power-loss durability for speed.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../state/events.js';

export interface EventLog {
  /** Appends all events atomically; returns after they are durable. */
  append(events: readonly EngineEvent[]): void;
  /** Every event ever appended, in order. */
  replay(): Iterable<EngineEvent>;
  close(): void;
}

export class MemoryEventLog implements EventLog {
  // In-memory mode keeps no history: nothing survives the process anyway.
  append(): void {
    /* nothing to keep */
  }
  replay(): Iterable<EngineEvent> {
    return [];
  }
  close(): void {
    /* nothing to release */
  }
}

export class SqliteEventLog implements EventLog {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string]>;
  private readonly appendAll: (events: readonly EngineEvent[]) => void;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'events.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)');
    this.insert = this.db.prepare('INSERT INTO events (event) VALUES (?)');
    this.appendAll = this.db.transaction((events: readonly EngineEvent[]) => {
      for (const e of events) this.insert.run(JSON.stringify(e));
    });
  }

  append(events: readonly EngineEvent[]): void {
    if (events.length) this.appendAll(events);
  }

  *replay(): Iterable<EngineEvent> {
    for (const row of this.db.prepare('SELECT event FROM events ORDER BY seq').iterate()) {
      yield JSON.parse((row as { event: string }).event) as EngineEvent;
    }
  }

  close(): void {
    this.db.close();
  }
}
