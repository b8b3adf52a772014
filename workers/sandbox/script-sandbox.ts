// One script run per job under the SandboxPolicy's `script` limits (Process isolation):
// setpriv (root only) → prlimit → bwrap. Facts behind the command line are in
// /work/shared/notes/workers.md; the traps it avoids:
// - bwrap run as root with --uid maps back to real root, so root first drops to an
//   unprivileged uid with setpriv; a non-root worker (a container) uses bwrap's own --uid.
// - Each run gets its own uid when root: RLIMIT_NPROC counts processes per uid, so a fork bomb
//   in one run must not starve the next.
// - The job's files come in through pipes (--ro-bind-data), so nothing of the job touches the
//   worker's disk and nothing of the worker's disk is bound in besides /usr.
// - script.network Allowlist adds a forwarder in front of the script and a unix socket the worker
//   answers (script-egress.ts); None leaves the sandbox with `lo` only.
// - bwrap --new-session puts the script in its own session, but killing the outer bwrap kills
//   the pid namespace's init (--die-with-parent), and with it every process of the run.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { quantityBytes } from './memory-quantity.js';
import type { SandboxTools } from './sandbox-check.js';
import { egressNote, startScriptEgress, type BoundFile, type SandboxEgress } from './script-egress.js';
import type { ScriptLimits } from './script-policy.js';

/** A file bound read-only under /tmp/job inside the sandbox. */
export interface SandboxFile {
  /** Name under /tmp/job, e.g. main.py. */
  name: string;
  content: string | Buffer;
}

export interface SandboxRun {
  /** Command inside the sandbox; argv[0] is an absolute path under /usr. */
  argv: string[];
  files?: SandboxFile[];
  stdin?: string | Buffer;
  /** Extra environment inside the sandbox (it starts empty but for PATH, HOME and LANG). */
  env?: Record<string, string>;
  /** Bytes of stdout (and of stderr) beyond which the run is killed; default 1 MiB. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
  /** Recognises an out-of-memory failure in the stderr of this language (e.g. Python's MemoryError). */
  outOfMemory?: (stderr: string) => boolean;
  /** Where the worker logs a script connection it refused (script.network Allowlist). */
  log?: Pick<Logger, 'info' | 'warn'>;
}

export type FailureKind =
  'wall' | 'cpu' | 'memory' | 'processes' | 'output' | 'aborted' | 'exit' | 'signal' | 'sandbox';

export interface SandboxResult {
  exitCode: number | null;
  stdout: string;
  /** The last STDERR_TAIL_BYTES of stderr. */
  stderr: string;
  /** Why the run failed, in words a user can act on; undefined when it exited 0 on its own. */
  failure?: { kind: FailureKind; message: string };
  /** On a failed run under script.network Allowlist: what the network did (also in failure.message). */
  egressNote?: string;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
const STDERR_TAIL_BYTES = 64 * 1024;
const TAIL_IN_MESSAGE = 1000;
/** Processes (threads included) one run may have. */
const MAX_PROCESSES = 64;
const MAX_OPEN_FILES = 256;
/** Root gives each run a uid of its own from here on (no account uses these). */
const UID_BASE = 2_100_000_000;
const UID_RANGE = 1_000_000;
const SIGXCPU_EXIT = 128 + 24;
const SIGKILL_EXIT = 128 + 9;
const SIGXFSZ_EXIT = 128 + 25;

const uidsInUse = new Set<number>();

/** SIGKILL to every process owned by `uid` (a run's own uid: nothing else has it). */
function killUid(uid: number): void {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (real === String(uid)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

function takeUid(): number {
  for (;;) {
    const uid = UID_BASE + Math.floor(Math.random() * UID_RANGE);
    if (!uidsInUse.has(uid)) {
      uidsInUse.add(uid);
      return uid;
    }
  }
}

/** "1 MiB", "64 KiB", "300 B". */
export function formatBytes(n: number): string {
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

/** The command line: [setpriv …] prlimit … bwrap … argv. */
export function sandboxCommand(
  tools: SandboxTools,
  limits: ScriptLimits,
  run: Pick<SandboxRun, 'argv' | 'files' | 'env'>,
  uid: number,
  egress?: Pick<SandboxEgress, 'bwrapArgs' | 'files' | 'argv'>,
): string[] {
  const memory = quantityBytes(limits.memory);
  const cmd: string[] = [];
  if (tools.asRoot)
    cmd.push(tools.setpriv, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all', '--no-new-privs');
  cmd.push(
    tools.prlimit,
    `--as=${memory}`,
    // SIGXCPU at the limit, SIGKILL one second later for a script that ignores it.
    `--cpu=${limits.cpuTimeSeconds}:${limits.cpuTimeSeconds + 1}`,
    `--nproc=${MAX_PROCESSES}`,
    `--nofile=${MAX_OPEN_FILES}`,
    `--fsize=${memory}`,
    '--core=0',
    tools.bwrap,
    '--unshare-all',
    '--unshare-user',
    ...(tools.disableUserns ? ['--disable-userns'] : []),
    '--die-with-parent',
    '--new-session',
    '--clearenv',
  );
  if (!tools.asRoot) cmd.push('--uid', '65534', '--gid', '65534');
  if (egress) cmd.push(...egress.bwrapArgs);
  cmd.push(
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    // Debian resolves shared libraries such as libblas through these links.
    '--ro-bind-try',
    '/etc/alternatives',
    '/etc/alternatives',
    ...tools.procArgs,
    '--dev',
    '/dev',
    // tmpfs lives in memory that RLIMIT_AS does not see: bound it by the same limit.
    '--size',
    String(memory),
    '--tmpfs',
    '/tmp',
    '--dir',
    '/tmp/job',
  );
  boundFiles(run, egress).forEach((f, i) => cmd.push('--ro-bind-data', String(3 + i), f.path));
  cmd.push('--chdir', '/tmp/job');
  if (limits.readOnlyFilesystem) cmd.push('--remount-ro', '/');
  const env = { PATH: '/usr/bin', HOME: '/tmp', LANG: 'C.UTF-8', ...run.env };
  for (const [k, v] of Object.entries(env)) cmd.push('--setenv', k, v);
  cmd.push(...(egress ? egress.argv(run.argv) : run.argv));
  return cmd;
}

/** The files bound in through pipes (fd 3 on): the job's under /tmp/job, then the forwarder's. */
function boundFiles(run: Pick<SandboxRun, 'files'>, egress: Pick<SandboxEgress, 'files'> | undefined): BoundFile[] {
  return [
    ...(run.files ?? []).map((f) => ({ path: `/tmp/job/${f.name}`, content: f.content })),
    ...(egress?.files ?? []),
  ];
}

/** Runs one script in the sandbox; never throws for what the script does, only reports it. */
export async function runSandboxed(tools: SandboxTools, limits: ScriptLimits, run: SandboxRun): Promise<SandboxResult> {
  const uid = takeUid();
  let egress: SandboxEgress | undefined;
  try {
    if (limits.network === 'Allowlist')
      egress = await startScriptEgress(limits, tools.asRoot ? uid : undefined, run.log);
    const result = await spawnSandboxed(tools, limits, run, uid, egress);
    const note =
      egress && result.failure && result.failure.kind !== 'aborted'
        ? egressNote(limits, egress.proxy.problems(), result.stderr)
        : undefined;
    if (!note || !result.failure) return result;
    return {
      ...result,
      failure: { ...result.failure, message: `${result.failure.message}; ${note}` },
      egressNote: note,
    };
  } catch (err) {
    const message = `the sandbox could not start the script's egress forwarding: ${err instanceof Error ? err.message : String(err)}`;
    return { exitCode: null, stdout: '', stderr: '', failure: { kind: 'sandbox', message } };
  } finally {
    egress?.proxy.close();
    uidsInUse.delete(uid);
  }
}

function spawnSandboxed(
  tools: SandboxTools,
  limits: ScriptLimits,
  run: SandboxRun,
  uid: number,
  egress: SandboxEgress | undefined,
): Promise<SandboxResult> {
  const files = boundFiles(run, egress);
  const maxOutput = run.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const [command, ...args] = sandboxCommand(tools, limits, run, uid, egress) as [string, ...string[]];
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe', ...files.map(() => 'pipe' as const)],
    detached: true, // its own process group, killed as a whole
    env: {},
  });
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let stderrTail = Buffer.alloc(0);
  let stderrBytes = 0;
  let stopped: { kind: FailureKind; message: string } | undefined;

  const stop = (why: { kind: FailureKind; message: string }): void => {
    stopped ??= why;
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    // bwrap --new-session puts the script in a session of its own, and a kill that lands while
    // bwrap is still setting up (before --die-with-parent is armed) can leave it running,
    // holding our pipes. As root every run has a uid of its own: kill whatever still has it.
    if (tools.asRoot) killUid(uid);
  };
  // Once the direct child is gone after a stop, sweep again for anything it forked meanwhile.
  child.on('exit', () => {
    if (stopped && tools.asRoot) killUid(uid);
  });
  const wall = setTimeout(
    () =>
      stop({
        kind: 'wall',
        message: `killed at the wall-clock limit of ${limits.wallTimeSeconds} s (SandboxPolicy script.wallTimeSeconds)`,
      }),
    limits.wallTimeSeconds * 1000,
  );
  const onAbort = (): void =>
    stop({ kind: 'aborted', message: "stopped: the job's time is up or the worker is handing it back" });
  if (run.signal?.aborted) onAbort();
  run.signal?.addEventListener('abort', onAbort);

  child.stdout.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    if (stdoutBytes > maxOutput)
      return stop({
        kind: 'output',
        message: `output exceeded ${formatBytes(maxOutput)} (stdout); the run was killed`,
      });
    stdout.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderrBytes += chunk.length;
    stderrTail = Buffer.concat([stderrTail, chunk]);
    if (stderrTail.length > STDERR_TAIL_BYTES) stderrTail = stderrTail.subarray(stderrTail.length - STDERR_TAIL_BYTES);
    if (stderrBytes > maxOutput)
      stop({ kind: 'output', message: `output exceeded ${formatBytes(maxOutput)} (stderr); the run was killed` });
  });
  // A script that never reads its stdin, or a sandbox that fails to start, closes the pipes early.
  const feed = (stream: NodeJS.WritableStream | null | undefined, content: string | Buffer): void => {
    if (!stream) return;
    stream.on('error', () => undefined);
    stream.end(content);
  };
  feed(child.stdin, run.stdin ?? '');
  files.forEach((f, i) => feed(child.stdio[3 + i] as NodeJS.WritableStream | null, f.content));

  return new Promise((resolve) => {
    const done = (exitCode: number | null, failure?: SandboxResult['failure']): void => {
      clearTimeout(wall);
      run.signal?.removeEventListener('abort', onAbort);
      const out = Buffer.concat(stdout).toString('utf8');
      const err = stderrTail.toString('utf8');
      resolve({ exitCode, stdout: out, stderr: err, failure: failure ?? classify(exitCode, err, limits, run) });
    };
    child.on('error', (err) =>
      done(null, { kind: 'sandbox', message: `the sandbox could not start ${command}: ${err.message}` }),
    );
    child.on('close', (code, signal) => {
      if (stopped) return done(code, stopped);
      if (code === null) return done(null, { kind: 'signal', message: `the sandbox was killed by ${signal ?? '?'}` });
      done(code);
    });
  });
}

function classify(
  code: number | null,
  stderr: string,
  limits: ScriptLimits,
  run: SandboxRun,
): SandboxResult['failure'] {
  if (code === 0) return undefined;
  const memoryLimit = `${String(limits.memory)} limit (script.memory)`;
  // bwrap reports its own setup failures as "bwrap: …" with exit code 1.
  if (code === 1 && /^bwrap: /m.test(stderr) && !/\n./.test(stderr.trim()))
    return { kind: 'sandbox', message: `the sandbox could not start: ${stderr.trim()}` };
  if (code === SIGXCPU_EXIT)
    return { kind: 'cpu', message: `CPU time limit of ${limits.cpuTimeSeconds} s reached (script.cpuTimeSeconds)` };
  if (code === SIGKILL_EXIT)
    return {
      kind: 'cpu',
      message:
        `killed by SIGKILL: the CPU time limit of ${limits.cpuTimeSeconds} s (script.cpuTimeSeconds) ` +
        "or the system's out-of-memory killer",
    };
  if (code === SIGXFSZ_EXIT || /No space left on device/.test(stderr))
    return { kind: 'memory', message: `a file in /tmp outgrew the ${memoryLimit}, which also bounds /tmp` };
  if (run.outOfMemory?.(stderr)) return { kind: 'memory', message: `out of memory under the ${memoryLimit}` };
  const tail = stderrTailText(stderr);
  // EAGAIN from fork/clone is what RLIMIT_NPROC looks like from inside.
  if (/Resource temporarily unavailable/.test(stderr))
    return {
      kind: 'processes',
      message: `exit code ${String(code)}: the limit of ${MAX_PROCESSES} processes (threads included) was reached; stderr tail: ${tail}`,
    };
  if (code !== null && code > 128 && code < 160)
    return {
      kind: 'signal',
      message:
        `killed by signal ${code - 128}` +
        (code === 128 + 11 || code === 128 + 6 ? ` (often memory exhaustion under the ${memoryLimit})` : '') +
        (tail ? `; stderr tail: ${tail}` : ''),
    };
  return { kind: 'exit', message: `exit code ${String(code)}${tail ? `; stderr tail: ${tail}` : '; no stderr'}` };
}

/** The end of stderr, short enough for an incident message. */
export function stderrTailText(stderr: string): string {
  const t = stderr.trim();
  return t.length > TAIL_IN_MESSAGE ? `…${t.slice(t.length - TAIL_IN_MESSAGE)}` : t;
}
