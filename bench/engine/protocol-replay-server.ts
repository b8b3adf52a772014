// The protocol alone, job for job: a grpc-js server on the SDK's zeebe.proto that plays the
// hello process's exchanges with no engine behind them — CreateProcessInstance answered at once
// and a hello.greet job pushed on a StreamActivatedJobs stream; CompleteJob answered, and a
// greet's completion pushes the hello.reply job (with the greeting in its variables). The same
// messages of the same sizes as procos-engine sends, so its CPU per job is what the gRPC
// exchanges of a job cost a server, nothing else. Its /metrics line counts running instances,
// as procos-engine's does. Usage: protocol-replay-server.ts GRPC_PORT HTTP_PORT
import { createServer } from 'node:http';
import type { ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import { startGrpcServer } from '../../engine/server/grpc-server.js';

interface Job {
  type: string;
  instance: number;
  variables: Record<string, unknown>;
}

const streams = new Map<string, ServerWritableStream<unknown, unknown>[]>();
const jobs = new Map<number, Job>();
let nextKey = 2251799813685249;
let running = 0;
let turn = 0;

/** Jobs no stream of their type has been opened for yet (the workers' streams open in the background). */
const waiting: Job[] = [];

function push(job: Job): void {
  const open = streams.get(job.type) ?? [];
  const stream = open[turn++ % open.length];
  if (!stream) {
    waiting.push(job);
    return;
  }
  const key = nextKey++;
  jobs.set(key, job);
  stream.write({
    key: String(key),
    type: job.type,
    processInstanceKey: String(job.instance),
    bpmnProcessId: 'hello',
    processDefinitionVersion: 1,
    processDefinitionKey: '2251799813685249',
    elementId: job.type === 'hello.greet' ? 'greet' : 'reply-short',
    elementInstanceKey: String(key - 1),
    customHeaders: job.type === 'hello.greet' ? '{}' : '{"style":"short"}',
    worker: 'bench-raw',
    retries: 3,
    deadline: String(Date.now() + 30_000),
    variables: JSON.stringify(job.variables),
    tenantId: '<default>',
  });
}

const { port } = await startGrpcServer(
  {
    CreateProcessInstance(call: { request: { variables: string } }, cb: sendUnaryData<unknown>) {
      const instance = nextKey++;
      running++;
      cb(null, {
        processDefinitionKey: '2251799813685249',
        bpmnProcessId: 'hello',
        version: 1,
        processInstanceKey: String(instance),
        tenantId: '<default>',
      });
      push({ type: 'hello.greet', instance, variables: JSON.parse(call.request.variables) as Record<string, unknown> });
    },
    StreamActivatedJobs(call: ServerWritableStream<{ type: string }, unknown>) {
      const open = streams.get(call.request.type) ?? [];
      open.push(call);
      streams.set(call.request.type, open);
      call.on('cancelled', () => open.splice(open.indexOf(call), 1));
      for (const job of waiting.splice(0)) push(job);
    },
    CompleteJob(call: { request: { jobKey: string; variables: string } }, cb: sendUnaryData<unknown>) {
      const key = Number(call.request.jobKey);
      const job = jobs.get(key);
      jobs.delete(key);
      cb(null, {});
      if (!job) return;
      const variables = { ...job.variables, ...(JSON.parse(call.request.variables) as Record<string, unknown>) };
      if (job.type === 'hello.greet') push({ type: 'hello.reply', instance: job.instance, variables });
      else running--;
    },
  },
  '127.0.0.1',
  Number(process.argv[2] ?? 0),
);
const http = createServer((_req, res) => res.end(`procos_engine_process_instances ${running}\n`));
http.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => process.stdout.write(`${port}\n`));
