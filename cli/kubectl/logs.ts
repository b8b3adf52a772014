// `kubectl procos logs POOL [-f]`: the logs of a WorkerPool's worker pods through the apiserver
// (the kubelet's), each line prefixed by its pod when there are several, shown like `procos
// logs` shows a local pool's (JSON log lines as time, level, message and context).
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { CommandError, EXIT, out, parseFlags, type Command } from '../commands/command.js';
import { humanLine } from '../commands/log-line.js';
import { OUTPUT_FLAG, outputFormat } from '../commands/output.js';
import { Cluster, CLUSTER_FLAGS } from './cluster.js';

type Pool = KubeObject & { status?: { selector?: string } };
type Pod = KubeObject & { status?: { phase?: string } };

/** The worker container of the pods the operator creates (operator/controllers/pool/worker-objects.ts). */
const WORKER_CONTAINER = 'worker';

/** Streams a pod's log (follow=true) line by line until the pod's log ends or `signal` aborts. */
async function followLog(
  cluster: Cluster,
  pod: Pod,
  query: Record<string, string>,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const c = cluster.client.connection;
  const url = new URL(`/api/v1/namespaces/${pod.metadata.namespace ?? ''}/pods/${pod.metadata.name}/log`, c.server);
  for (const [k, v] of Object.entries({ ...query, follow: 'true' })) url.searchParams.set(k, v);
  const headers = await c.headers();
  await new Promise<void>((resolve, reject) => {
    const req = https.request(url, { ...c.tls, headers, signal }, (res) => {
      if ((res.statusCode ?? 0) >= 300) {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () => reject(new Error(`${res.statusCode ?? ''} ${Buffer.concat(chunks).toString('utf8')}`)));
        return;
      }
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on('line', onLine);
      lines.on('close', () => resolve());
    });
    req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
    req.end();
  });
}

export const logsCommand: Command = {
  name: 'logs',
  summary: "a pool's worker logs",
  help: `  kubectl procos logs POOL [-n NS] [--tail N] [-f] [-o json]
                         The logs of a WorkerPool's worker pods (prefixed by pod when there are
                         several), JSON lines shown as time, level, message and context; -o json
                         passes them through. --tail N lines per pod (default 50), -f follows
                         them until Ctrl-C.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...CLUSTER_FLAGS,
      ...OUTPUT_FLAG,
      tail: { type: 'string', default: '50' },
      follow: { type: 'boolean', short: 'f', default: false },
    });
    const [name, ...extra] = positionals;
    if (!name || extra.length) throw new CommandError('usage: kubectl procos logs POOL [-f]', EXIT.usage);
    const format = outputFormat(values.output, ['text', 'json']);
    const tail = Number(values.tail);
    if (!Number.isInteger(tail) || tail < 0) throw new CommandError('--tail is a whole number', EXIT.usage);
    const cluster = await Cluster.connect(values);
    const namespace = cluster.defaultNamespace;
    const pool = await cluster.get<Pool>('workerpools', name);
    if (!pool)
      throw new CommandError(
        `no WorkerPool ${name} in namespace ${namespace} (kubectl procos status lists them)`,
        EXIT.failed,
      );
    const selector = pool.status?.selector ?? `procos.io/pool=${name}`;
    const pods = (await cluster.listOf<Pod>('v1', 'pods', { namespace, labelSelector: selector }))
      // Pods that never started have no log to show.
      .filter((p) => p.status?.phase !== 'Pending')
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    if (!pods.length) {
      out(`workerpool/${name} has no running worker pods (kubectl procos get shows why)`);
      return EXIT.ok;
    }
    const show = (pod: Pod, line: string): void => {
      const text = format === 'json' ? line : humanLine(line);
      out(pods.length > 1 ? `${pod.metadata.name} | ${text}` : text);
    };
    const query = { container: WORKER_CONTAINER, tailLines: String(tail) };
    if (!values.follow) {
      for (const pod of pods) {
        const text = await cluster.text(`/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/log`, query);
        for (const line of text.split('\n').filter(Boolean)) show(pod, line);
      }
      return EXIT.ok;
    }
    // Follow every pod at once until Ctrl-C (or until every pod's log ends).
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const results = await Promise.allSettled(
      pods.map((pod) => followLog(cluster, pod, query, (line) => show(pod, line), abort.signal)),
    );
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${pods[i]?.metadata.name ?? ''}: ${String(r.reason)}`] : [],
    );
    if (failed.length) throw new CommandError(`cannot follow the log of ${failed.join('; ')}`, EXIT.failed);
    return EXIT.ok;
  },
};
