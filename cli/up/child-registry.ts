// The processes `procos up` started (engine, workers), written down in the state folder: a
// `procos up` killed outright (SIGKILL, a crash) cannot stop its children, so the next one
// stops what is left, as the e2e harness does for a killed test run. A pid is only killed when
// its command line still names this state folder — pids are reused.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export class ChildRegistry {
  private readonly children = new Map<number, string>();

  constructor(
    private readonly file: string,
    /** Text every command line of ours contains (the state folder's path). */
    private readonly marker: string,
  ) {}

  add(pid: number, name: string): void {
    this.children.set(pid, name);
    this.save();
  }

  remove(pid: number): void {
    if (this.children.delete(pid)) this.save();
  }

  private save(): void {
    writeFileSync(this.file, JSON.stringify([...this.children].map(([pid, name]) => ({ pid, name }))));
  }

  /** SIGKILLs the children a previous `procos up` left; returns their names. */
  reapLeftovers(): string[] {
    if (!existsSync(this.file)) return [];
    const left = JSON.parse(readFileSync(this.file, 'utf8')) as { pid: number; name: string }[];
    const reaped = left.filter(({ pid }) => this.ours(pid) && kill(pid)).map((c) => c.name);
    writeFileSync(this.file, '[]');
    return reaped;
  }

  /** On the way out, whatever is still running goes too (synchronous: for process 'exit'). */
  killAll(): void {
    for (const pid of this.children.keys()) kill(pid);
  }

  private ours(pid: number): boolean {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.marker);
    } catch {
      return false;
    }
  }
}

function kill(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
