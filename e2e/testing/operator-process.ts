// procos-operator as users run it: the built binary in its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../lib/cli/version.js';
import { OPERATOR_NODE_OPTIONS } from '../../operator/node-options.js';

/** One line of the operator's JSON log (pino). */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface OperatorProcess {
  child: ChildProcess;
  identity: string;
  logFile: string;
  /** Resolves with how the process ended (exit code or signal), whenever it ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process is still running. */
  readonly alive: boolean;
  /** The log lines written so far (of this identity's log file, all runs). */
  log(): LogLine[];
  /** http://127.0.0.1:<port> of /metrics, /healthz, /readyz, once the operator logged it. */
  monitoring(): string | undefined;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function spawnOperator(o: {
  kubeconfig: string;
  engineAddress: string;
  identity: string;
  logDir: string;
  leaseDurationSeconds?: number;
  leaseNamespace?: string;
  /** debug logs one `reconciled` line per reconcile (name, resourceVersion, plan). */
  logLevel?: 'info' | 'debug';
  /** Extra environment, e.g. PROCOS_TEST_CRASH_AFTER. */
  env?: Record<string, string>;
  /** More flags, e.g. --worker-image, --backlog-source. */
  args?: string[];
}): OperatorProcess {
  const logFile = join(o.logDir, `${o.identity}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      join(projectRoot(), 'bin/procos-operator.js'),
      '--kubeconfig',
      o.kubeconfig,
      '--metrics-port',
      '0',
      '--leader-election-namespace',
      o.leaseNamespace ?? 'procos-system',
      '--identity',
      o.identity,
      '--lease-duration-seconds',
      String(o.leaseDurationSeconds ?? 15),
      ...(o.args ?? []),
    ],
    {
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        NODE_OPTIONS: OPERATOR_NODE_OPTIONS,
        ZEEBE_GRPC_ADDRESS: `grpc://${o.engineAddress}`,
        CAMUNDA_AUTH_STRATEGY: 'NONE',
        LOG_LEVEL: o.logLevel ?? 'info',
        ...o.env,
      },
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const readLog = (): LogLine[] =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .flatMap((line) => {
        if (!line.startsWith('{')) return [];
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return []; // a line being written right now
        }
      });
  return {
    child,
    identity: o.identity,
    logFile,
    exited,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    log: readLog,
    monitoring() {
      // The last start's port: one log file collects every run of an identity.
      const port = readLog()
        .filter((l) => typeof l.metricsPort === 'number')
        .at(-1)?.metricsPort;
      return typeof port === 'number' ? `http://127.0.0.1:${port}` : undefined;
    },
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
