// `procos up [DIR]`: the microkernel on one machine (cli/up/procos-up.ts), in the foreground
// until Ctrl-C, which drains and stops it.
import { parseArgs } from 'node:util';
import { demoRequest } from '../up/demo-request.js';
import { procosUp } from '../up/procos-up.js';
import { CommandError, EXIT, out, type Command } from './command.js';

export const upCommand: Command = {
  name: 'up',
  help: `  procos up [DIR] [options]
                         Boot ProcOS on this machine and stay up: start procos-engine, run the
                         ProcOSProcess, WorkerPool and SandboxPolicy manifests of DIR (default
                         ./processes; a kustomization.yaml there is read like \`kubectl apply -k\`)
                         with the operator's own reconcilers, run each WorkerPool as supervised
                         local procos-worker processes scaled by the job backlog, and watch DIR:
                         an edited manifest or BPMN is deployed as a new version. Ctrl-C drains
                         the workers and stops; the next \`procos up\` resumes where it stopped.
      --state-dir DIR    Engine data, objects' status, logs, secrets (default ./.procos)
      --grpc-port N      procos-engine's gRPC port (default 26500; 0 picks a free one)
      --monitoring-port N  procos-engine's /metrics, /ready and read API (default 9600; 0: free)
      --poll-seconds N   How often pools read the backlog (default 5)
      --http-port N      The request ingress: POST /requests, GET /requests/{id} (default 8090)
      --health-seconds N How often the root orchestrator runs health monitoring (default 30)
      --no-watch         Do not watch DIR
      --amqp-url URL     Take requests from a RabbitMQ queue too (env PROCOS_AMQP_URL): acked once the
                         engine took them, answered to reply_to, poison messages dead-lettered
      --amqp-queue NAME  Its queue (default procos.requests; dead letters: NAME.dead)
      --demo             Once up, send one AI query through the HTTP ingress and print the
                         answer and what ran for it (processes, jobs, workers, time)
                         With ZEEBE_GRPC_ADDRESS set, that engine (Zeebe, Camunda 8) is used
                         instead of starting procos-engine.`,
  run: up,
};

async function up(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string', default: '.procos' },
      'grpc-port': { type: 'string', default: '26500' },
      'monitoring-port': { type: 'string', default: '9600' },
      'poll-seconds': { type: 'string', default: '5' },
      'http-port': { type: 'string', default: '8090' },
      'health-seconds': { type: 'string', default: '30' },
      'no-watch': { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
      'amqp-url': { type: 'string', default: process.env.PROCOS_AMQP_URL },
      'amqp-queue': { type: 'string' },
    },
  });
  if (positionals.length > 1) throw new CommandError(`takes one folder, got ${positionals.join(' ')}`, EXIT.usage);
  const number = (flag: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new CommandError(`--${flag} must be a whole number, got ${JSON.stringify(v)}`, EXIT.usage);
    return n;
  };
  const external = process.env.ZEEBE_GRPC_ADDRESS;
  // Signals are ours from the start: Ctrl-C while booting stops what boot has started.
  const booting = new AbortController();
  let requestStop = (): void => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      out(`${signal} again: exiting without waiting for the drain`);
      process.exit(130);
    }
    booting.abort();
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const system = await procosUp({
    dir: positionals[0] ?? 'processes',
    stateDir: values['state-dir'],
    grpcPort: number('grpc-port', values['grpc-port']),
    monitoringPort: number('monitoring-port', values['monitoring-port']),
    pollMs: number('poll-seconds', values['poll-seconds']) * 1000,
    httpPort: number('http-port', values['http-port']),
    healthIntervalSeconds: Math.max(1, number('health-seconds', values['health-seconds'])),
    externalEngine: external ? { address: external } : undefined,
    watch: !values['no-watch'],
    signal: booting.signal,
    amqpUrl: values['amqp-url'],
    amqpQueue: values['amqp-queue'],
    out,
  });
  if (values.demo)
    await demoRequest({ ingressUrl: system.kernel.ingressUrl, monitoringUrl: system.record.monitoringUrl, out });
  out(`ProcOS stays up. Send your own requests:`);
  out(
    `  curl -s -X POST -H 'content-type: application/json' '${system.kernel.ingressUrl}/requests?wait=true' -d '{"type": "ai-query", "payload": {"prompt": "Hello"}}'`,
  );
  out('Press Ctrl-C to stop (workers drain first).');
  await stopRequested;
  await system.stop();
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}
