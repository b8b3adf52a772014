// A real, throwaway RabbitMQ broker for tests: Debian's rabbitmq-server (3.10), one per caller,
// on loopback, sharing nothing with any other broker on the machine — not the system-wide one
// the package may have started (ports 5672/4369, /var/lib/rabbitmq), nor another test file's.
//
// Isolation, and why each piece is needed:
// - /usr/sbin/rabbitmq-server is a wrapper that, run as root, `su`s to the rabbitmq user, cds
//   to /var/lib/rabbitmq and resets HOME (so the cookie would be shared). We run the script it
//   wraps, /usr/lib/rabbitmq/bin/rabbitmq-server, as the current user instead.
// - Its own folder for mnesia, config and HOME (Erlang cookie); /etc/rabbitmq/rabbitmq-env.conf
//   and advanced.config are pointed away so a machine's settings cannot leak in.
// - Its own epmd on its own port (ERL_EPMD_PORT), started here and owned here: an epmd that the
//   Erlang VM starts by itself daemonizes out of reach, and a shared one outlives its users.
// - Free ports for AMQP and Erlang distribution; both, and epmd, listen on loopback only.
// Readiness is an AMQP login with amqplib, not a log line or a sleep.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { connect as amqpConnect } from 'amqplib';
import { freePort } from '../net/free-port.js';
import { tempDir } from './temp-dir.js';
import { waitFor, waitUntil } from './wait-for.js';

export interface RabbitMQ {
  /** amqp://USER:PASSWORD@127.0.0.1:PORT/ — an administrator made for this broker, vhost "/". */
  readonly url: string;
  readonly amqpPort: number;
  readonly epmdPort: number;
  readonly distPort: number;
  /** The Erlang node, e.g. rabbit_1a2b3c4d@localhost. */
  readonly nodeName: string;
  /** The instance's folder (mnesia, HOME, config, log); removed by stop(). */
  readonly dir: string;
  /** All the broker printed. Gone after stop() unless PROCOS_KEEP_TEMP=1. */
  readonly logFile: string;
  /** The last lines of the log, for a failure message. */
  logTail(lines?: number): string;
  /** Stops broker and epmd, makes sure no process of the instance is left, removes the folder. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Gets each line the broker (and its epmd) prints, as it prints it. */
  log?: (line: string) => void;
}

const BROKER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';
// Loaded 2-core machines: a start measured at ~5 s idle must still pass there.
const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 30_000;
// Put in the environment of everything the instance starts; children inherit it, so stop() finds
// processes no process group reaches (erl_child_setup and inet_gethost run in sessions of their own).
const MARKER = 'PROCOS_RABBITMQ_DIR';
const TAIL_LINES = 60;

interface Launched {
  child: ChildProcess;
  /** Resolves once the process is gone (or could not start), with how it ended. */
  ended: Promise<string>;
  endedHow?: string;
}

// freePort() keeps handed-out ports apart only inside this process: another test file or `make
// test` run may pick the same port and bind it first. Such a start fails at once and is retried.
const ATTEMPTS = 3;

class PortTaken extends Error {}

export async function startRabbitMQ(options: StartOptions = {}): Promise<RabbitMQ> {
  if (!existsSync(BROKER_SCRIPT))
    throw new Error(
      `RabbitMQ is not installed (${BROKER_SCRIPT} is missing): run \`make host-tools\` (installs Debian's rabbitmq-server)`,
    );
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt === ATTEMPTS) throw err;
    }
  }
}

async function startOnce(options: StartOptions): Promise<RabbitMQ> {
  const dir = tempDir('procos-rabbitmq-');
  const [amqpPort, distPort, epmdPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const nodeName = `rabbit_${randomBytes(4).toString('hex')}@localhost`;
  // A user of its own rather than guest: a test pointed at the wrong port fails to log in instead
  // of quietly using some other broker that still has guest/guest.
  const user = 'procos';
  const password = randomBytes(12).toString('hex');
  const url = `amqp://${user}:${password}@127.0.0.1:${amqpPort}/`;
  writeConfig(dir, amqpPort, user, password);
  const env = brokerEnv(dir, nodeName, distPort, epmdPort);
  const log = new BrokerLog(join(dir, 'rabbitmq.log'), options.log);

  const launched: Launched[] = [];
  let watchdog: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopInstance(dir, nodeName, launched, watchdog, log));

  const epmd = launch('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], env, dir, log);
  launched.push(epmd);
  let broker: Launched | undefined;
  try {
    await waitReady(`epmd to listen on 127.0.0.1:${epmdPort}`, () => epmdAnswers(epmdPort), launched);
    broker = launch(BROKER_SCRIPT, [], env, dir, log);
    launched.unshift(broker); // stopped first: epmd must outlive the node registered in it
    watchdog = startWatchdog(launched, dir);
    await waitReady(
      `RabbitMQ ${nodeName} to accept an AMQP login on 127.0.0.1:${amqpPort}`,
      () => amqpLogin(url),
      launched,
    );
  } catch (err) {
    const tail = log.tail(TAIL_LINES);
    await stop();
    // epmd says nothing when its port is taken (it logs only with -d): it just exits.
    const portTaken = log.sawPortTaken || (broker === undefined && epmd.endedHow?.includes(' exited ') === true);
    throw new (portTaken ? PortTaken : Error)(`${(err as Error).message}\n--- last lines of ${log.file} ---\n${tail}`);
  }
  return {
    url,
    amqpPort,
    epmdPort,
    distPort,
    nodeName,
    dir,
    logFile: log.file,
    logTail: (lines = TAIL_LINES) => log.tail(lines),
    stop,
  };
}

function writeConfig(dir: string, amqpPort: number, user: string, password: string): void {
  mkdirSync(join(dir, 'home'));
  mkdirSync(join(dir, 'mnesia'));
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
      `default_user = ${user}`,
      `default_pass = ${password}`,
      'default_vhost = /',
      '',
    ].join('\n'),
  );
  // No plugins: the management plugin alone adds seconds to the start and a port to pick.
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
}

function brokerEnv(dir: string, nodeName: string, distPort: number, epmdPort: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // A developer's RABBITMQ_*/ERL_* settings would override ours; NOTIFY_SOCKET (set under systemd)
  // makes the start script exec the VM without its SIGTERM handler.
  for (const [key, value] of Object.entries(process.env))
    if (!/^(RABBITMQ_|ERL_)/.test(key) && key !== 'NOTIFY_SOCKET') env[key] = value;
  return {
    ...env,
    [MARKER]: dir,
    HOME: join(dir, 'home'),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_CRASH_DUMP: join(dir, 'erl_crash.dump'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: '-', // to stdout, into the one log file below
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'), // absent on purpose
    // Bound schedulers (the default, "db") pin each broker's schedulers to the same cores as the
    // next broker's on a shared 2-core machine.
    RABBITMQ_SCHEDULER_BIND_TYPE: 'u',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
}

function launch(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, log: BrokerLog): Launched {
  // Its own process group: stop() can SIGKILL the start script and the VM it forks together.
  const child = spawn(file, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const launched: Launched = {
    child,
    ended: new Promise((resolve) => {
      child.once('error', (err) => resolve(`${file} could not start: ${err.message}`));
      child.once('exit', (code, signal) => resolve(`${file} exited (${signal ? `signal ${signal}` : `code ${code}`})`));
    }),
  };
  void launched.ended.then((how) => (launched.endedHow = how));
  log.follow(child.stdout);
  log.follow(child.stderr);
  return launched;
}

// If this process dies without stop() (a vitest worker killed on a timeout), the pipe to this
// shell closes and it takes the broker and epmd down — they run detached and would live on — and
// then removes the folder, as tempDir() would have.
function startWatchdog(launched: Launched[], dir: string): ChildProcess {
  const groups = launched.map((l) => `-${l.child.pid ?? 0}`).join(' ');
  const remove = process.env.PROCOS_KEEP_TEMP === '1' ? '' : '; rm -rf "$1"';
  // No `--` before the negative pids: dash's kill takes it for a pid and signals nothing.
  const script = `read _; kill -TERM ${groups} 2>/dev/null; sleep 15; kill -KILL ${groups} 2>/dev/null${remove}`;
  const watchdog = spawn('/bin/sh', ['-c', script, 'rabbitmq-watchdog', dir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  if (watchdog.stdin instanceof Socket) watchdog.stdin.unref();
  return watchdog;
}

/** Waits for `probe` to succeed; fails at once, not at the deadline, when a process ends. */
async function waitReady(what: string, probe: () => Promise<void>, launched: Launched[]): Promise<void> {
  const outcome = await waitFor(
    what,
    async () => {
      const ended = launched.find((l) => l.endedHow !== undefined);
      if (ended) return `${ended.endedHow ?? ''} while waiting for ${what}`;
      await probe();
      return 'ready';
    },
    { timeoutMs: START_TIMEOUT_MS, everyMs: 100 },
  );
  if (outcome !== 'ready') throw new Error(outcome);
}

/** Asks epmd for its names (NAMES_REQ); a bare connect would make it log "partial packet". */
function epmdAnswers(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(Buffer.from([0, 1, 110])));
    socket.once('data', () => {
      socket.destroy();
      resolve();
    });
    socket.once('end', () => reject(new Error(`epmd on port ${port} closed without answering`)));
    // Whatever else listens there (the port taken meanwhile) may never answer.
    socket.setTimeout(2_000, () => socket.destroy(new Error(`no answer on port ${port} within 2 s`)));
    socket.once('error', reject);
  });
}

async function amqpLogin(url: string): Promise<void> {
  const connection = await amqpConnect(url, { timeout: 5_000 });
  await connection.close();
}

async function stopInstance(
  dir: string,
  nodeName: string,
  launched: Launched[],
  watchdog: ChildProcess | undefined,
  log: BrokerLog,
): Promise<void> {
  watchdog?.kill('SIGKILL');
  // In order: the broker (its start script forwards SIGTERM to the VM and waits for a clean
  // shutdown, ~1 s here), then epmd.
  for (const each of launched) await terminate(each);
  for (const pid of instancePids(dir)) signal(pid, 'SIGKILL');
  await waitUntil(
    () => `no process of RabbitMQ ${nodeName} left (pids ${instancePids(dir).join(', ')})`,
    () => instancePids(dir),
    (pids) => pids.length === 0,
    { timeoutMs: 10_000, everyMs: 50 },
  );
  await log.close();
  if (process.env.PROCOS_KEEP_TEMP !== '1') rmSync(dir, { recursive: true, force: true });
}

async function terminate(launched: Launched): Promise<void> {
  const pid = launched.child.pid;
  if (pid === undefined || launched.endedHow !== undefined) return;
  signal(pid, 'SIGTERM');
  const force = setTimeout(() => signal(-pid, 'SIGKILL'), STOP_GRACE_MS);
  await launched.ended;
  clearTimeout(force);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Every process started for the instance in `dir`, found by the marker in its environment. */
function instancePids(dir: string): number[] {
  const needle = `\0${MARKER}=${dir}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // ended meanwhile, or not ours to read
    }
    if (`\0${environ}`.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** The broker's output: into a file, to the caller's callback, and the last lines in memory. */
class BrokerLog {
  private readonly out;
  private readonly last: string[] = [];
  /** A listener could not bind: the AMQP or distribution port was taken meanwhile. */
  sawPortTaken = false;

  constructor(
    readonly file: string,
    private readonly onLine?: (line: string) => void,
  ) {
    this.out = createWriteStream(file, { flags: 'a' });
  }

  follow(stream: Readable): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    });
    stream.on('end', () => {
      if (partial) this.line(partial);
    });
  }

  tail(lines: number): string {
    return this.last.slice(-lines).join('\n') || '(nothing printed)';
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }

  private line(line: string): void {
    if (!this.out.writableEnded) this.out.write(`${line}\n`);
    this.last.push(line);
    if (/eaddrinuse/i.test(line)) this.sawPortTaken = true;
    if (this.last.length > TAIL_LINES * 2) this.last.splice(0, this.last.length - TAIL_LINES);
    this.onLine?.(line);
  }
}
