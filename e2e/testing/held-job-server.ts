// The HTTP service the e2e burst pool's handler calls, holding the last jobs' requests until
// their pod is terminating: the jobs are then in flight while their pod is removed.
import { createServer } from 'node:http';
import { NODE_IP } from '../cluster/node-network.js';

/**
 * The HTTP service the burst pool's handler calls (GET /work/<n>): it answers after `delayMs`.
 * The requests for the last `hold` items to arrive are held until the test lets go of those
 * asked by one pod (releaseFrom its IP): the test does so once that pod is terminating, so those
 * jobs are in flight while their pod is removed and can only complete during its drain.
 */
export interface JobServer {
  url: string;
  /** Requests per item. */
  requests: Map<number, number>;
  /** The items whose requests were held. */
  heldItems: ReadonlySet<number>;
  /** Requests answered because their pod was terminating. */
  releasedAtTermination: number;
  releaseFrom(ip: string): void;
  close(): Promise<void>;
}

export async function startJobServer(o: {
  port: number;
  delayMs: number;
  total: number;
  hold: number;
}): Promise<JobServer> {
  const requests = new Map<number, number>();
  const heldItems = new Set<number>();
  let held: { ip: string; answer: () => void }[] = [];
  const server = createServer((req, res) => {
    const n = Number(/^\/work\/(\d+)$/.exec(req.url ?? '')?.[1] ?? NaN);
    if (!Number.isInteger(n)) return void res.writeHead(404).end();
    if (!requests.has(n) && requests.size >= o.total - o.hold) heldItems.add(n);
    requests.set(n, (requests.get(n) ?? 0) + 1);
    const answer = (): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(`{"n":${n}}`);
    if (heldItems.has(n)) held.push({ ip: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''), answer });
    else setTimeout(answer, o.delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, NODE_IP, resolve);
  });
  const s: JobServer = {
    url: `http://${NODE_IP}:${o.port}`,
    requests,
    heldItems,
    releasedAtTermination: 0,
    releaseFrom(ip) {
      const mine = held.filter((h) => h.ip === ip);
      held = held.filter((h) => h.ip !== ip);
      for (const h of mine) h.answer();
      s.releasedAtTermination += mine.length;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return s;
}
