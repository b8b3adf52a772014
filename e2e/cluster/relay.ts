// A byte relay between two socket addresses, for `make cluster-up` (issue 10): the cluster lives
// in a network namespace of its own, and a unix socket (a file, so it crosses namespaces) joins
// a relay inside it (unix → the apiserver's port) to one on the host (the host's loopback → unix).
//   tsx e2e/cluster/relay.ts --listen tcp:127.0.0.1:7443 --to unix:/run/procos/cluster/api.sock
// TLS passes through untouched: the client still verifies the apiserver's certificate.
import { createConnection, createServer, type NetConnectOpts, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

export type SocketAddress = { unix: string } | { host: string; port: number };

export function parseAddress(text: string): SocketAddress {
  const unix = /^unix:(.+)$/.exec(text);
  if (unix?.[1]) return { unix: unix[1] };
  const tcp = /^tcp:([^:]+):(\d+)$/.exec(text);
  if (tcp?.[1] && tcp[2]) return { host: tcp[1], port: Number(tcp[2]) };
  throw new Error(`not an address: ${text} (expected unix:PATH or tcp:HOST:PORT)`);
}

const connectOptions = (a: SocketAddress): NetConnectOpts =>
  'unix' in a ? { path: a.unix } : { host: a.host, port: a.port };

/** Listens on FROM and pipes every connection to TO; resolves once listening. */
export function startRelay(from: SocketAddress, to: SocketAddress): Promise<{ close(): void }> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(connectOptions(to));
    open.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.pipe(upstream).pipe(client);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  if ('unix' in from) rmSync(from.unix, { force: true }); // a socket file left by a killed relay
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const ready = (): void =>
      resolve({
        close() {
          server.close();
          for (const s of open) s.destroy();
        },
      });
    if ('unix' in from) server.listen(from.unix, ready);
    else server.listen(from.port, from.host, ready);
  });
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const { values } = parseArgs({ options: { listen: { type: 'string' }, to: { type: 'string' } } });
  if (!values.listen || !values.to) {
    process.stderr.write(
      'usage: tsx e2e/cluster/relay.ts --listen unix:PATH|tcp:HOST:PORT --to unix:PATH|tcp:HOST:PORT\n',
    );
    process.exit(2);
  }
  await startRelay(parseAddress(values.listen), parseAddress(values.to));
  process.stdout.write('relaying\n');
}
