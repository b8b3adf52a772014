// The bench's job workers in their own process, as in production (workers never share a
// process with the engine or with whoever starts instances): N clients, each with one worker
// per job type of the hello process. Modes: `poll` (@camunda8/sdk createWorker), `stream`
// (@camunda8/sdk streamJobs), and `raw` (plain grpc-js: StreamActivatedJobs + CompleteJob,
// the same client stack as the raw echo ceiling — what the engine can do without the SDK's
// own per-call cost). Prints "ready" once all are open; SIGTERM closes them.
import * as grpc from '@grpc/grpc-js';
import { loadGatewayPackage } from '../../engine/server/grpc-server.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';

interface BenchJob {
  variables: Record<string, unknown>;
  complete(variables: object): Promise<unknown>;
}

const [address, count, mode] = process.argv.slice(2);
if (!address || !count || (mode !== 'poll' && mode !== 'stream' && mode !== 'raw'))
  throw new Error('usage: workers-process.ts ADDRESS N poll|stream|raw');

const results: Record<string, (variables: Record<string, unknown>) => object> = {
  'hello.greet': (v) => ({ greeting: `Hello, ${v.name as string}!` }),
  'hello.reply': () => ({ reply: 'ok' }),
};

const closers: (() => Promise<unknown>)[] = [];
for (let i = 0; i < Number(count); i++) {
  if (mode === 'raw') {
    closers.push(rawWorker(address));
    continue;
  }
  const zbc = sdkClient(address);
  closers.push(() => zbc.close(1000));
  for (const [taskType, result] of Object.entries(results)) {
    const taskHandler = (job: BenchJob) => job.complete(result(job.variables));
    if (mode === 'poll') zbc.createWorker({ taskType, maxJobsToActivate: 32, taskHandler } as never);
    else await zbc.streamJobs({ type: taskType, worker: 'bench', timeout: 30_000, taskHandler } as never);
  }
}
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void Promise.all(closers.map((c) => c())).then(() => process.exit(0));
});

type RawClient = grpc.Client & {
  StreamActivatedJobs(req: object): grpc.ClientReadableStream<{ key: string; variables: string }>;
  CompleteJob(req: object, cb: (err: grpc.ServiceError | null) => void): void;
};

function rawWorker(addr: string): () => Promise<void> {
  const pkg = loadGatewayPackage() as unknown as {
    gateway_protocol: { Gateway: new (a: string, c: grpc.ChannelCredentials) => RawClient };
  };
  const client = new pkg.gateway_protocol.Gateway(addr, grpc.credentials.createInsecure());
  const streams = Object.entries(results).map(([type, result]) => {
    const stream = client.StreamActivatedJobs({ type, worker: 'bench-raw', timeout: 30_000, fetchVariable: [] });
    stream.on('data', (job: { key: string; variables: string }) => {
      const variables = JSON.stringify(result(JSON.parse(job.variables) as Record<string, unknown>));
      client.CompleteJob({ jobKey: job.key, variables }, (err) => {
        if (err) console.error(`CompleteJob ${job.key}: ${err.message}`);
      });
    });
    stream.on('error', () => undefined); // cancelled on close
    return stream;
  });
  return () => {
    for (const s of streams) s.cancel();
    client.close();
    return Promise.resolve();
  };
}
