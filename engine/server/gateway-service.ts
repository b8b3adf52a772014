// gateway_protocol.Gateway: each RPC maps its typed request (generated/, from the SDK's
// zeebe.proto) to one command's arguments, and the command's result to its typed response.
import type { Logger } from 'pino';
import type { Engine } from '../processor/engine.js';
import type { JobDispatcher } from '../jobs/job-dispatcher.js';
import { cancelProcessInstance } from '../commands/cancel-instance.js';
import { completeJob } from '../commands/complete-job.js';
import { deleteResource } from '../commands/delete-resource.js';
import { failJob } from '../commands/fail-job.js';
import { resolveIncident } from '../commands/resolve-incident.js';
import { setVariables } from '../commands/set-variables.js';
import { throwError } from '../commands/throw-error.js';
import { updateJobRetries } from '../commands/update-job-retries.js';
import { updateJobTimeout } from '../commands/update-job-timeout.js';
import { publishMessage } from '../commands/publish-message.js';
import { modifyProcessInstance } from '../commands/modify-instance.js';
import { migrateProcessInstance } from '../commands/migrate-instance.js';
import { broadcastSignal } from '../commands/broadcast-signal.js';
import type { GatewayHandlers } from './generated/gateway_protocol/Gateway.js';
import { activateJobsHandler, streamActivatedJobsHandler } from './activate-jobs-rpc.js';
import { createInstance, createInstanceWithResult } from './create-instance-rpc.js';
import { deployProcess, deployResource } from './deploy-rpc.js';
import { evaluateDecision } from './evaluate-decision-rpc.js';
import { checkTenant, DEFAULT_TENANT, readInt64, unaryHandlers, writeInt64 } from './gateway-rpc.js';
import type { RequestTimer } from './request-metrics.js';

export const GATEWAY_VERSION = '8.8.0';

export interface GatewayOptions {
  engine: Engine;
  dispatcher: JobDispatcher;
  log: Logger;
  host: string;
  port: () => number;
  /** Times every unary call (procos_engine_request_duration_seconds); none in tests that need none. */
  timer?: RequestTimer;
}

export function gatewayService(o: GatewayOptions): GatewayHandlers {
  const { engine, dispatcher } = o;
  const unary = unaryHandlers(o, {
    Topology: () => ({
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
    }),

    DeployResource: (r) => deployResource(engine, r),
    DeployProcess: (r) => deployProcess(engine, r),
    CreateProcessInstance: (r) => createInstance(engine, r),
    CreateProcessInstanceWithResult: (r) => createInstanceWithResult(engine, r),
    EvaluateDecision: (r) => evaluateDecision(engine, r),

    CancelProcessInstance: (r) => {
      cancelProcessInstance(engine, readInt64(r.processInstanceKey));
      return {};
    },

    CompleteJob: (r) => {
      completeJob(engine, readInt64(r.jobKey), r.variables);
      return {};
    },

    FailJob: (r) => {
      failJob(engine, {
        jobKey: readInt64(r.jobKey),
        retries: r.retries,
        errorMessage: r.errorMessage,
        retryBackOffMs: readInt64(r.retryBackOff),
        variables: r.variables,
      });
      return {};
    },

    ThrowError: (r) => {
      throwError(engine, readInt64(r.jobKey), r.errorCode, r.errorMessage, r.variables);
      return {};
    },

    UpdateJobRetries: (r) => {
      updateJobRetries(engine, readInt64(r.jobKey), r.retries);
      return {};
    },

    UpdateJobTimeout: (r) => {
      updateJobTimeout(engine, readInt64(r.jobKey), readInt64(r.timeout));
      return {};
    },

    PublishMessage: (r) => {
      checkTenant(r.tenantId);
      const key = publishMessage(engine, {
        name: r.name,
        correlationKey: r.correlationKey,
        timeToLiveMs: readInt64(r.timeToLive),
        messageId: r.messageId,
        variables: r.variables,
      });
      return { key: writeInt64(key), tenantId: DEFAULT_TENANT };
    },

    BroadcastSignal: (r) => {
      checkTenant(r.tenantId);
      return { key: writeInt64(broadcastSignal(engine, r.signalName, r.variables)), tenantId: DEFAULT_TENANT };
    },

    SetVariables: (r) => ({
      key: writeInt64(setVariables(engine, readInt64(r.elementInstanceKey), r.variables, r.local)),
    }),

    ResolveIncident: (r) => {
      resolveIncident(engine, readInt64(r.incidentKey));
      return {};
    },

    ModifyProcessInstance: (r) => {
      modifyProcessInstance(engine, {
        processInstanceKey: readInt64(r.processInstanceKey),
        activateInstructions: r.activateInstructions.map((a) => ({
          elementId: a.elementId,
          ancestorElementInstanceKey: readInt64(a.ancestorElementInstanceKey),
          variableInstructions: a.variableInstructions.map((v) => ({ scopeId: v.scopeId, variables: v.variables })),
        })),
        terminateInstructions: r.terminateInstructions.map((t) => readInt64(t.elementInstanceKey)),
      });
      return {};
    },

    MigrateProcessInstance: (r) => {
      const plan = r.migrationPlan;
      migrateProcessInstance(engine, {
        processInstanceKey: readInt64(r.processInstanceKey),
        targetProcessDefinitionKey: plan ? readInt64(plan.targetProcessDefinitionKey) : 0,
        mappingInstructions: (plan?.mappingInstructions ?? []).map((m) => ({
          sourceElementId: m.sourceElementId,
          targetElementId: m.targetElementId,
        })),
      });
      return {};
    },

    DeleteResource: (r) => {
      deleteResource(engine, readInt64(r.resourceKey));
      return {};
    },
  });

  return {
    ...unary,
    ActivateJobs: activateJobsHandler(dispatcher),
    StreamActivatedJobs: streamActivatedJobsHandler(dispatcher),
  };
}
