// ActivateJobs (long polling) and StreamActivatedJobs (job push) (docs/zeebe-compatibility.md
// C14–C16): the request as the dispatcher's ActivationRequest, each activated job as the wire's.
import type { handleServerStreamingCall } from '@grpc/grpc-js';
import type { JobDispatcher } from '../jobs/job-dispatcher.js';
import type { ActivatedJob, ActivationRequest } from '../commands/activate-jobs.js';
import type { ActivatedJob as WireJob } from './generated/gateway_protocol/ActivatedJob.js';
import type { ActivateJobsRequest__Output } from './generated/gateway_protocol/ActivateJobsRequest.js';
import type { ActivateJobsResponse } from './generated/gateway_protocol/ActivateJobsResponse.js';
import type { StreamActivatedJobsRequest__Output } from './generated/gateway_protocol/StreamActivatedJobsRequest.js';
import { invalidArgument, toServiceError } from './grpc-status.js';
import { checkTenants, DEFAULT_TENANT, readInt64, writeInt64 } from './gateway-rpc.js';

type ActivationFields = Pick<ActivateJobsRequest__Output, 'type' | 'worker' | 'timeout' | 'fetchVariable'>;

function activationRequest(r: ActivationFields, maxJobs: number): ActivationRequest {
  const timeoutMs = readInt64(r.timeout);
  if (r.type.trim() === '') throw invalidArgument(`Expected to activate jobs of a type, but type was '${r.type}'`);
  if (timeoutMs < 1)
    throw invalidArgument(`Expected to activate jobs with a timeout of at least 1 ms, but it was ${timeoutMs}`);
  if (maxJobs < 1) throw invalidArgument(`Expected to activate at least 1 job, but maxJobsToActivate was ${maxJobs}`);
  return { type: r.type, worker: r.worker, timeoutMs, maxJobs, fetchVariables: r.fetchVariable };
}

function wireJob(j: ActivatedJob): Required<WireJob> {
  return {
    key: writeInt64(j.key),
    type: j.type,
    processInstanceKey: writeInt64(j.processInstanceKey),
    bpmnProcessId: j.bpmnProcessId,
    processDefinitionVersion: j.processDefinitionVersion,
    processDefinitionKey: writeInt64(j.processDefinitionKey),
    elementId: j.elementId,
    elementInstanceKey: writeInt64(j.elementInstanceKey),
    customHeaders: j.customHeaders,
    worker: j.worker,
    retries: j.retries,
    deadline: writeInt64(j.deadline),
    variables: j.variables,
    tenantId: DEFAULT_TENANT,
  };
}

export function activateJobsHandler(
  dispatcher: JobDispatcher,
): handleServerStreamingCall<ActivateJobsRequest__Output, ActivateJobsResponse> {
  return (call) => {
    try {
      const r = call.request;
      checkTenants(r.tenantIds);
      const request = activationRequest(r, r.maxJobsToActivate);
      const cancel = dispatcher.activate(
        { request, respond: (jobs) => call.write({ jobs: jobs.map(wireJob) }), end: () => call.end() },
        readInt64(r.requestTimeout),
      );
      call.on('cancelled', cancel);
    } catch (err) {
      call.emit('error', toServiceError(err)); // grpc-js ends a server stream with this status
    }
  };
}

export function streamActivatedJobsHandler(
  dispatcher: JobDispatcher,
): handleServerStreamingCall<StreamActivatedJobsRequest__Output, WireJob> {
  return (call) => {
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
  };
}
