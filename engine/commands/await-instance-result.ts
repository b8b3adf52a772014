// Creating a process instance and waiting for its result (docs/zeebe-compatibility.md C12):
// CreateProcessInstanceWithResult on gRPC and awaitCompletion on REST. Resolves with the root
// instance's variables when it completes — also when it completes inside the create command
// itself — and fails when it is terminated or the time is up; each API says so in its words.
import type { Engine } from '../processor/engine.js';
import { createProcessInstance, type CreateInstanceRequest, type CreateInstanceResult } from './create-instance.js';

export class InstanceResultError extends Error {
  constructor(
    readonly reason: 'TERMINATED' | 'TIMED_OUT',
    readonly processInstanceKey: number,
    readonly timeoutMs: number,
  ) {
    super(
      reason === 'TERMINATED'
        ? `Expected to receive the result of process instance '${processInstanceKey}', but it was terminated`
        : `Expected the process instance to complete within ${timeoutMs} ms`,
    );
    this.name = 'InstanceResultError';
  }
}

export interface InstanceResult {
  created: CreateInstanceResult;
  variables: Record<string, unknown>;
}

/** Only the named variables (all when none are named), as fetchVariables asks. */
export function fetchedVariables(
  variables: Record<string, unknown>,
  names: readonly string[],
): Record<string, unknown> {
  return names.length
    ? Object.fromEntries(names.filter((n) => n in variables).map((n) => [n, variables[n]]))
    : variables;
}

export function createAndAwaitResult(
  engine: Engine,
  request: CreateInstanceRequest,
  timeoutMs: number,
): Promise<InstanceResult> {
  return new Promise((resolve, reject) => {
    let instanceKey = -1;
    let created: CreateInstanceResult | undefined;
    let variables: Record<string, unknown> | undefined;
    const settle = (): void => {
      if (created && variables) resolve({ created, variables });
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      engine.off('instanceCompleted', onCompleted);
      engine.off('instanceTerminated', onTerminated);
    };
    const onCompleted = (key: number, vars: Record<string, unknown>): void => {
      if (key !== instanceKey) return;
      cleanup();
      variables = vars;
      settle(); // it may complete inside the create command, before `created` is set
    };
    const onTerminated = (key: number): void => {
      if (key !== instanceKey) return;
      cleanup();
      reject(new InstanceResultError('TERMINATED', key, timeoutMs));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new InstanceResultError('TIMED_OUT', instanceKey, timeoutMs));
    }, timeoutMs);
    engine.on('instanceCompleted', onCompleted);
    engine.on('instanceTerminated', onTerminated);
    try {
      created = createProcessInstance(engine, request, (key) => (instanceKey = key));
      settle();
    } catch (err) {
      cleanup();
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
