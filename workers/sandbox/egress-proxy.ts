// The worker's end of script.network: Allowlist, one per run: a unix socket in a private temp dir,
// bound into the sandbox, that the in-sandbox forwarder (egress-forwarder.py) opens once per
// script connection with a first line "DESTINATION PORT". Anything inside the sandbox can open
// this socket, so every request is checked here against script.egressAllowlist with the pool
// egress rules (workers/egress.ts: names resolved once, the checked address is the one connected
// to) before the worker connects; the answer is "OK" and then bytes both ways, or "ERR reason".
// Bounded: at most MAX_CONNECTIONS at once, a first line of at most MAX_HEADER bytes, and close()
// at the run's end destroys every socket and removes the dir. A destination is first matched against
// the listed ones, so a made-up name never reaches the worker's resolver (no DNS exfiltration).
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { EgressDenied, resolveAllowed } from '../egress.js';

export const MAX_CONNECTIONS = 32;
const MAX_HEADER = 512;
const MAX_PROBLEMS = 5;
const HEADER = /^(\S{1,253}) (\d{1,5})$/;

export interface EgressProxy {
  /** The unix socket on the worker's filesystem. */
  socketPath: string;
  /** What went wrong with the script's connections (refused or unreachable), for a failure message. */
  problems(): string[];
  /** Ends every connection and removes the socket; idempotent. */
  close(): void;
}

export interface EgressProxyOptions {
  allowlist: readonly string[];
  /** "DESTINATION PORT" pairs the forwarder may ask for (the plan's listeners). */
  destinations: readonly { destination: string; port: number }[];
  /** The run's uid when the worker is root: the socket is chowned to it (and only it) then. */
  uid?: number;
  log?: Pick<Logger, 'info' | 'warn'> | undefined;
}

export async function startEgressProxy(o: EgressProxyOptions): Promise<EgressProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'procos-egress-'));
  const socketPath = join(dir, 'egress.sock');
  const sockets = new Set<Socket>();
  const problems = new Set<string>();
  // Never undefined: an absent list would mean "allow any" to resolveAllowed.
  const policy = { egressAllowlist: [...o.allowlist] };
  const listed = new Set(o.destinations.map((d) => `${d.destination} ${d.port}`));
  const problem = (text: string): void => {
    if (problems.size < MAX_PROBLEMS) problems.add(text);
  };
  const track = (s: Socket): Socket => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    return s;
  };

  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    readHeader(client, (header) => {
      const m = HEADER.exec(header ?? '');
      if (!m) return client.destroy();
      const [host, port] = [m[1] as string, Number(m[2])];
      const destination = `${host} port ${port}`;
      // Checked before any lookup: a name the script makes up must not become a DNS query.
      const checked = listed.has(`${host} ${port}`)
        ? resolveAllowed(policy, host, port)
        : Promise.reject(new EgressDenied(destination));
      checked.then(
        ({ address }) => connect(client, address, port, destination),
        (err: unknown) => {
          const why = err instanceof EgressDenied ? 'not in script.egressAllowlist' : (err as Error).message;
          problem(`egress to ${destination} refused: ${why}`);
          o.log?.warn({ destination }, `script egress to ${destination} refused: ${why}`);
          client.end(`ERR ${why}\n`);
        },
      );
    });
  });
  const connect = (client: Socket, address: string, port: number, destination: string): void => {
    if (client.destroyed) return;
    const upstream = track(createConnection({ host: address, port, allowHalfOpen: true }));
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.write('OK\n');
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('error', (err) => {
      if (!connected) {
        problem(`egress to ${destination} (${address}) failed: ${err.message}`);
        client.end(`ERR ${err.message}\n`);
      } else client.destroy();
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };
  server.maxConnections = MAX_CONNECTIONS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  if (o.uid !== undefined) {
    // The run's uid must reach the socket through the dir, and be its only user besides root.
    chmodSync(dir, 0o711);
    chownSync(socketPath, o.uid, o.uid);
  }
  let closed = false;
  return {
    socketPath,
    problems: () => [...problems],
    close() {
      if (closed) return;
      closed = true;
      server.close();
      for (const s of sockets) s.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls back with the first line (without "\n"), or undefined when it is too long or never comes. */
function readHeader(client: Socket, then: (line: string | undefined) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf(0x0a);
    if (end === -1 && buffered.length <= MAX_HEADER) return;
    client.off('data', onData);
    client.off('end', onEnd);
    client.pause();
    if (end === -1 || end > MAX_HEADER) return then(undefined);
    const rest = buffered.subarray(end + 1);
    if (rest.length) client.unshift(rest);
    then(buffered.subarray(0, end).toString('latin1'));
  };
  const onEnd = (): void => {
    client.off('data', onData);
    then(undefined);
  };
  client.on('data', onData);
  client.once('end', onEnd);
}
