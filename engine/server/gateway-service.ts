// gateway_protocol.Gateway handlers: decode the wire shapes, run the command, encode the answer.
// Keys are int64 and travel as decimal strings (the SDK loads the proto with longs: String).
import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Engine } from '../processor/engine.js';
import type { JobDispatcher } from '../jobs/job-dispatcher.js';
import type { ActivatedJob } from '../commands/activate-jobs.js';
import { deployResources } from '../commands/deploy.js';
import { createProcessInstance, type CreateInstanceRequest } from '../commands/create-instance.js';
import { completeJob, failJob, throwError, updateJobRetries, updateJobTimeout } from '../commands/job-commands.js';
import { cancelProcessInstance, deleteResource, resolveIncident, setVariables } from '../commands/instance-commands.js';
import { publishMessage } from '../commands/publish-message.js';
import { modifyProcessInstance } from '../commands/modify-instance.js';
import { migrateProcessInstance } from '../commands/migrate-instance.js';
import { broadcastSignal } from '../commands/broadcast-signal.js';
import { evaluateDecisionCommand } from '../commands/evaluate-decision.js';
import { GrpcError, invalidArgument, toServiceError } from './grpc-status.js';
import type { RequestTimer } from './request-metrics.js';

export const GATEWAY_VERSION = '8.8.0';
const DEFAULT_TENANT = '<default>';
/** Zeebe's default for CreateProcessInstanceWithResult without a requestTimeout (C12). */
const DEFAULT_RESULT_TIMEOUT_MS = 15_000;

type Req = Record<string, unknown>;
type Unary = (request: Req) => Promise<Req> | Req;

const num = (v: unknown): number => (v === undefined || v === null || v === '' ? 0 : Number(v));
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function checkTenant(tenantId: unknown): void {
  const t = text(tenantId);
  if (t !== '' && t !== DEFAULT_TENANT) {
    throw invalidArgument(`Expected to handle request with tenant identifier '${t}', but multi-tenancy is disabled`);
  }
}

function checkTenants(tenantIds: unknown): void {
  for (const t of Array.isArray(tenantIds) ? tenantIds : []) checkTenant(t);
}

export interface GatewayOptions {
  engine: Engine;
  dispatcher: JobDispatcher;
  log: Logger;
  host: string;
  port: () => number;
  /** Times every unary call (procos_engine_request_duration_seconds); none in tests that need none. */
  timer?: RequestTimer;
}

export function gatewayService(o: GatewayOptions): UntypedServiceImplementation {
  const { engine, dispatcher } = o;
  const unary =
    (name: string, handler: Unary) => async (call: ServerUnaryCall<Req, Req>, callback: sendUnaryData<Req>) => {
      const done = o.timer?.(name);
      try {
        const response = await handler(call.request);
        await engine.durable(); // acknowledged only once its events are in the log
        done?.(status.OK);
        callback(null, response);
      } catch (err) {
        if (!(err instanceof GrpcError) && (err as Error).name !== 'Rejection')
          o.log.error({ err, rpc: name }, 'unexpected error');
        await engine.durable(); // events emitted before an unexpected error are committed too
        const error = toServiceError(err);
        done?.(error.code ?? status.UNKNOWN);
        callback(error);
      }
    };

  return {
    Topology: unary('Topology', () => ({
      brokers: [
        {
          nodeId: 0,
          host: o.host,
          port: o.port(),
          version: GATEWAY_VERSION,
          partitions: [{ partitionId: 1, role: 'LEADER', health: 'HEALTHY' }],
        },
      ],
      clusterSize: 1,
      partitionsCount: 1,
      replicationFactor: 1,
      gatewayVersion: GATEWAY_VERSION,
    })),

    DeployResource: unary('DeployResource', async (r) => {
      checkTenant(r.tenantId);
      const resources = (r.resources as { name: string; content: Buffer }[] | undefined) ?? [];
      const result = await deployResources(engine, resources);
      const t = { tenantId: DEFAULT_TENANT };
      // Zeebe's order (C10): processes, decisions, decision requirements, forms.
      return {
        key: String(result.key),
        tenantId: DEFAULT_TENANT,
        deployments: [
          ...result.processes.map((p) => ({
            process: { ...p, ...t, processDefinitionKey: String(p.processDefinitionKey) },
          })),
          ...result.decisions.map((d) => ({
            decision: {
              ...d,
              ...t,
              decisionKey: String(d.decisionKey),
              decisionRequirementsKey: String(d.decisionRequirementsKey),
            },
          })),
          ...result.decisionRequirements.map((d) => ({
            decisionRequirements: { ...d, ...t, decisionRequirementsKey: String(d.decisionRequirementsKey) },
          })),
          ...result.forms.map((f) => ({ form: { ...f, ...t, formKey: String(f.formKey) } })),
        ],
      };
    }),

    // Deprecated since Zeebe 8 (zeebe-node 8.3 still calls it): DeployResource with BPMN only.
    DeployProcess: unary('DeployProcess', async (r) => {
      const processes = (r.processes as { name: string; definition: Buffer }[] | undefined) ?? [];
      const result = await deployResources(
        engine,
        processes.map((p) => ({ name: p.name, content: p.definition })),
      );
      return {
        key: String(result.key),
        processes: result.processes.map((p) => ({
          ...p,
          processDefinitionKey: String(p.processDefinitionKey),
          tenantId: DEFAULT_TENANT,
        })),
      };
    }),

    CreateProcessInstance: unary('CreateProcessInstance', (r) => {
      checkTenant(r.tenantId);
      return instanceResponse(createProcessInstance(engine, createRequest(r)));
    }),

    CreateProcessInstanceWithResult: unary('CreateProcessInstanceWithResult', (r) => awaitResult(engine, r)),

    CancelProcessInstance: unary('CancelProcessInstance', (r) => {
      cancelProcessInstance(engine, num(r.processInstanceKey));
      return {};
    }),

    CompleteJob: unary('CompleteJob', (r) => {
      completeJob(engine, num(r.jobKey), text(r.variables));
      return {};
    }),

    FailJob: unary('FailJob', (r) => {
      failJob(engine, {
        jobKey: num(r.jobKey),
        retries: num(r.retries),
        errorMessage: text(r.errorMessage),
        retryBackOffMs: num(r.retryBackOff),
        variables: text(r.variables),
      });
      return {};
    }),

    ThrowError: unary('ThrowError', (r) => {
      throwError(engine, num(r.jobKey), text(r.errorCode), text(r.errorMessage), text(r.variables));
      return {};
    }),

    UpdateJobRetries: unary('UpdateJobRetries', (r) => {
      updateJobRetries(engine, num(r.jobKey), num(r.retries));
      return {};
    }),

    UpdateJobTimeout: unary('UpdateJobTimeout', (r) => {
      updateJobTimeout(engine, num(r.jobKey), num(r.timeout));
      return {};
    }),

    PublishMessage: unary('PublishMessage', (r) => {
      checkTenant(r.tenantId);
      const key = publishMessage(engine, {
        name: text(r.name),
        correlationKey: text(r.correlationKey),
        timeToLiveMs: num(r.timeToLive),
        messageId: text(r.messageId),
        variables: text(r.variables),
      });
      return { key: String(key), tenantId: DEFAULT_TENANT };
    }),

    EvaluateDecision: unary('EvaluateDecision', (r) => {
      checkTenant(r.tenantId);
      const e = evaluateDecisionCommand(engine, num(r.decisionKey), text(r.decisionId), text(r.variables));
      const json = (v: unknown): string => JSON.stringify(v ?? null);
      return {
        ...e,
        tenantId: DEFAULT_TENANT,
        decisionKey: String(e.decisionKey),
        decisionRequirementsKey: String(e.decisionRequirementsKey),
        decisionInstanceKey: String(e.decisionInstanceKey),
        evaluatedDecisions: e.evaluatedDecisions.map((d) => ({
          decisionKey: String(d.decisionKey),
          decisionId: d.decisionId,
          decisionName: d.decisionName,
          decisionVersion: d.decisionVersion,
          decisionType: d.decisionType,
          decisionOutput: json(d.output),
          tenantId: DEFAULT_TENANT,
          evaluatedInputs: d.inputs.map((i) => ({
            inputId: i.inputId,
            inputName: i.inputName,
            inputValue: json(i.value),
          })),
          matchedRules: d.matchedRules.map((m) => ({
            ruleId: m.ruleId,
            ruleIndex: m.ruleIndex,
            evaluatedOutputs: m.outputs.map((o) => ({
              outputId: o.outputId,
              outputName: o.outputName,
              outputValue: json(o.value),
            })),
          })),
        })),
      };
    }),

    BroadcastSignal: unary('BroadcastSignal', (r) => {
      checkTenant(r.tenantId);
      return { key: String(broadcastSignal(engine, text(r.signalName), text(r.variables))), tenantId: DEFAULT_TENANT };
    }),

    SetVariables: unary('SetVariables', (r) => ({
      key: String(setVariables(engine, num(r.elementInstanceKey), text(r.variables), r.local === true)),
    })),

    ResolveIncident: unary('ResolveIncident', (r) => {
      resolveIncident(engine, num(r.incidentKey));
      return {};
    }),

    ModifyProcessInstance: unary('ModifyProcessInstance', (r) => {
      const activate = (r.activateInstructions as Req[] | undefined) ?? [];
      const terminate = (r.terminateInstructions as Req[] | undefined) ?? [];
      modifyProcessInstance(engine, {
        processInstanceKey: num(r.processInstanceKey),
        activateInstructions: activate.map((a) => ({
          elementId: text(a.elementId),
          ancestorElementInstanceKey: num(a.ancestorElementInstanceKey),
          variableInstructions: ((a.variableInstructions as Req[] | undefined) ?? []).map((v) => ({
            scopeId: text(v.scopeId),
            variables: text(v.variables),
          })),
        })),
        terminateInstructions: terminate.map((t) => num(t.elementInstanceKey)),
      });
      return {};
    }),

    MigrateProcessInstance: unary('MigrateProcessInstance', (r) => {
      const plan = (r.migrationPlan ?? {}) as Req;
      migrateProcessInstance(engine, {
        processInstanceKey: num(r.processInstanceKey),
        targetProcessDefinitionKey: num(plan.targetProcessDefinitionKey),
        mappingInstructions: ((plan.mappingInstructions as Req[] | undefined) ?? []).map((m) => ({
          sourceElementId: text(m.sourceElementId),
          targetElementId: text(m.targetElementId),
        })),
      });
      return {};
    }),

    DeleteResource: unary('DeleteResource', (r) => {
      deleteResource(engine, num(r.resourceKey));
      return {};
    }),

    ActivateJobs: (call: ServerWritableStream<Req, Req>) => {
      try {
        const r = call.request;
        checkTenants(r.tenantIds);
        const request = activationRequest(r, num(r.maxJobsToActivate));
        const cancel = dispatcher.activate(
          { request, respond: (jobs) => call.write({ jobs: jobs.map(wireJob) }), end: () => call.end() },
          num(r.requestTimeout),
        );
        call.on('cancelled', cancel);
      } catch (err) {
        call.emit('error', toServiceError(err)); // grpc-js ends a server stream with this status
      }
    },

    StreamActivatedJobs: (call: ServerWritableStream<Req, Req>) => {
      try {
        const r = call.request;
        checkTenants(r.tenantIds);
        const request = activationRequest(r, 1);
        let held = false;
        const remove = dispatcher.addStream({
          request,
          push: (job) => {
            if (call.cancelled || call.destroyed) return false;
            if (!call.write(wireJob(job)) && !held) {
              // The worker stopped reading: push nothing more until its window opens again.
              held = true;
              call.once('drain', () => {
                held = false;
                dispatcher.dispatch(request.type);
              });
            }
            return true;
          },
          ready: () => !held,
        });
        call.on('cancelled', remove);
        call.on('close', remove);
      } catch (err) {
        call.emit('error', toServiceError(err)); // grpc-js ends a server stream with this status
      }
    },
  };
}

function activationRequest(r: Req, maxJobs: number): import('../commands/activate-jobs.js').ActivationRequest {
  const type = text(r.type);
  const timeoutMs = num(r.timeout);
  if (type.trim() === '') throw invalidArgument(`Expected to activate jobs of a type, but type was '${type}'`);
  if (timeoutMs < 1)
    throw invalidArgument(`Expected to activate jobs with a timeout of at least 1 ms, but it was ${timeoutMs}`);
  if (maxJobs < 1) throw invalidArgument(`Expected to activate at least 1 job, but maxJobsToActivate was ${maxJobs}`);
  const fetchVariables = Array.isArray(r.fetchVariable) ? (r.fetchVariable as string[]) : [];
  return { type, worker: text(r.worker), timeoutMs, maxJobs, fetchVariables };
}

function wireJob(j: ActivatedJob): Req {
  return {
    ...j,
    key: String(j.key),
    processInstanceKey: String(j.processInstanceKey),
    processDefinitionKey: String(j.processDefinitionKey),
    elementInstanceKey: String(j.elementInstanceKey),
    deadline: String(j.deadline),
    tenantId: DEFAULT_TENANT,
  };
}

function createRequest(r: Req): CreateInstanceRequest {
  const instructions = Array.isArray(r.startInstructions) ? (r.startInstructions as { elementId?: string }[]) : [];
  return {
    processDefinitionKey: num(r.processDefinitionKey),
    bpmnProcessId: text(r.bpmnProcessId),
    version: r.version === undefined || r.version === null ? -1 : num(r.version),
    variables: text(r.variables),
    startElementIds: instructions.map((i) => i.elementId ?? '').filter(Boolean),
  };
}

function instanceResponse(i: {
  processDefinitionKey: number;
  bpmnProcessId: string;
  version: number;
  processInstanceKey: number;
}): Req {
  return {
    ...i,
    processDefinitionKey: String(i.processDefinitionKey),
    processInstanceKey: String(i.processInstanceKey),
    tenantId: DEFAULT_TENANT,
  };
}

/** C12: answer when the root instance completes, with its variables (or only fetchVariables). */
function awaitResult(engine: Engine, r: Req): Promise<Req> {
  const inner = (r.request ?? {}) as Req;
  checkTenant(inner.tenantId);
  const timeoutMs = num(r.requestTimeout) > 0 ? num(r.requestTimeout) : DEFAULT_RESULT_TIMEOUT_MS;
  const fetch = Array.isArray(r.fetchVariables) ? (r.fetchVariables as string[]) : [];
  return new Promise((resolve, reject) => {
    let instanceKey = -1;
    const cleanup = (): void => {
      clearTimeout(timer);
      engine.off('instanceCompleted', onCompleted);
      engine.off('instanceTerminated', onTerminated);
    };
    const onCompleted = (key: number, vars: Record<string, unknown>): void => {
      if (key !== instanceKey) return;
      cleanup();
      const variables = fetch.length
        ? Object.fromEntries(fetch.filter((n) => n in vars).map((n) => [n, vars[n]]))
        : vars;
      // The instance may complete inside the create command itself, before `created` is set.
      setImmediate(() => resolve({ ...instanceResponse(created), variables: JSON.stringify(variables) }));
    };
    const onTerminated = (key: number): void => {
      if (key !== instanceKey) return;
      cleanup();
      reject(
        new GrpcError(
          status.FAILED_PRECONDITION,
          `Command 'CREATE_WITH_AWAITING_RESULT' rejected with code 'INVALID_STATE': Expected to receive the result of process instance '${key}', but it was terminated`,
        ),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new GrpcError(
          status.DEADLINE_EXCEEDED,
          `Time out between gateway and broker: Request timed out after PT${timeoutMs / 1000}S`,
        ),
      );
    }, timeoutMs);
    engine.on('instanceCompleted', onCompleted);
    engine.on('instanceTerminated', onTerminated);
    let created: ReturnType<typeof createProcessInstance>;
    try {
      created = createProcessInstance(engine, createRequest(inner), (key) => {
        instanceKey = key;
      });
    } catch (err) {
      cleanup();
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
