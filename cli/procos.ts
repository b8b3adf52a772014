import { parseArgs } from 'node:util';
import { lintManifestFile } from './lint-manifests.js';
import { upDemo } from './up-demo.js';
import { procosUp } from './up/procos-up.js';
import { main } from '../lib/cli/entry-point.js';

const help = `
ProcOS on one machine.

Usage:
  procos up [DIR] [options]
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
                         With ZEEBE_GRPC_ADDRESS set, that engine (Zeebe, Camunda 8) is used
                         instead of starting procos-engine.
  procos demo [--name NAME] [--data-dir DIR]
                         Start procos-engine, deploy processes/hello.bpmn, serve its job types
                         with SDK workers, run one instance, print its result and stop.
  procos lint FILE...    Validate ProcOS manifests (ProcOSProcess, WorkerPool, SandboxPolicy)
                         with the same schemas and CEL rules as the cluster's CRDs.
                         Exit 0 when all are valid, 1 otherwise.
  procos --version       Print the version.

Not built yet: run, deploy, status, incidents, and \`up\` as the full microkernel
(operator reconcile loop and worker pools on one machine).
`;

const NOT_YET = new Set(['run', 'deploy', 'status', 'incidents']);

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
    },
  });
  if (positionals.length > 1) throw new Error(`procos up takes one folder, got ${positionals.join(' ')}`);
  const number = (flag: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a whole number, got ${JSON.stringify(v)}`);
    return n;
  };
  const external = process.env.ZEEBE_GRPC_ADDRESS?.replace(/^grpcs?:\/\//, '');
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const system = await procosUp({
    dir: positionals[0] ?? 'processes',
    stateDir: values['state-dir'],
    grpcPort: number('grpc-port', values['grpc-port']),
    monitoringPort: number('monitoring-port', values['monitoring-port']),
    pollMs: number('poll-seconds', values['poll-seconds']) * 1000,
    httpPort: number('http-port', values['http-port']),
    healthIntervalSeconds: Math.max(1, number('health-seconds', values['health-seconds'])),
    externalEngine: external || undefined,
    watch: !values['no-watch'],
    out,
  });
  out('Press Ctrl-C to stop (workers drain first).');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        out(`${signal} again: exiting without waiting for the drain`);
        process.exit(130);
      }
      stopping = true;
      void system.stop().then(resolve, (err: unknown) => {
        process.stderr.write(`procos up: stopping failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

await main({
  name: 'procos',
  help,
  exitWhenDone: true,
  async run(args) {
    const [command, ...rest] = args;
    if (command === 'up') return up(rest);
    if (command === 'demo') {
      const { values } = parseArgs({
        args: rest,
        options: { name: { type: 'string' }, 'data-dir': { type: 'string' } },
      });
      const variables = await upDemo({
        name: values.name ?? 'World',
        dataDir: values['data-dir'] ?? '.procos/engine',
        out: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(`${JSON.stringify(variables, null, 2)}\n`);
      return 0;
    }
    if (command && NOT_YET.has(command)) {
      process.stderr.write(
        `procos: "${command}" is not built yet (it comes with the next steps of the one-machine microkernel); today \`procos up\` runs the system, \`procos demo\` runs the hello demo and \`procos lint FILE...\` validates manifests.\n`,
      );
      return 2;
    }
    if (command === 'lint' && rest.length === 0) {
      process.stderr.write(
        'procos lint: no files given.\nUsage: procos lint FILE...   e.g. procos lint processes/samples/*.yaml\n',
      );
      return 2;
    }
    if (command !== 'lint') {
      process.stderr.write(`procos: ${command ? `unknown command "${command}"` : 'missing command'}\n${help}`);
      return 2;
    }
    let failed = 0;
    for (const file of rest) {
      for (const f of await lintManifestFile(file)) {
        const where = `${f.file}#${f.document}${f.name ? ` (${f.name})` : ''}`;
        if (f.errors.length === 0) {
          process.stdout.write(`ok    ${where}\n`);
          continue;
        }
        failed++;
        for (const e of f.errors) process.stdout.write(`error ${where}: ${e}\n`);
      }
    }
    return failed ? 1 : 0;
  },
});
