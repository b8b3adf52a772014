// procos-operator as users run it: the built binary in its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../lib/cli/version.js';
import { OPERATOR_NODE_OPTIONS } from '../../operator/node-options.js';

export interface OperatorProcess {
  child: ChildProcess;
  identity: string;
  logFile: string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function spawnOperator(o: {
  kubeconfig: string;
  engineAddress: string;
  identity: string;
  logDir: string;
  leaseDurationSeconds?: number;
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
      'procos-system',
      '--identity',
      o.identity,
      '--lease-duration-seconds',
      String(o.leaseDurationSeconds ?? 15),
    ],
    {
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        NODE_OPTIONS: OPERATOR_NODE_OPTIONS,
        ZEEBE_GRPC_ADDRESS: `grpc://${o.engineAddress}`,
        CAMUNDA_AUTH_STRATEGY: 'NONE',
        LOG_LEVEL: 'info',
      },
    },
  );
  return {
    child,
    identity: o.identity,
    logFile,
    kill: (signal) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
