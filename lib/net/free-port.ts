import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Ports handed out here come from below the kernel's ephemeral range: a port picked now and
// bound later by a child (etcd, kube-apiserver, …) cannot be taken meanwhile by some process's
// outgoing connection or `listen(0)`, which only ever draw from the ephemeral range. (Picking
// with listen(0) lost that race under load: "bind: address already in use".)
const FALLBACK_LOW = 20_000;
const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low && low > 12_000 ? low : FALLBACK_LOW + 10_000;
  } catch {
    return FALLBACK_LOW + 10_000; // not Linux: the usual 32768 or 49152 start above this
  }
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** A port that was free a moment ago on the host, outside the ephemeral range. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const high = ephemeralLow() - 1;
  const low = Math.max(1024, Math.min(FALLBACK_LOW, high - 2000));
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // reserved before the await: concurrent callers never get the same port
    if (await bindable(port, host)) return port;
    handedOut.delete(port);
  }
  throw new Error(`no free port between ${low} and ${high} on ${host} after 200 tries`);
}
