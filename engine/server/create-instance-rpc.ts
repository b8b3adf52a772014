// CreateProcessInstance and CreateProcessInstanceWithResult (docs/zeebe-compatibility.md C11, C12):
// the request as the engine's CreateInstanceRequest, the created instance as the response.
import { status } from '@grpc/grpc-js';
import type { Engine } from '../processor/engine.js';
import {
  createProcessInstance,
  type CreateInstanceRequest,
  type CreateInstanceResult,
} from '../commands/create-instance.js';
import { createAndAwaitResult, fetchedVariables, InstanceResultError } from '../commands/await-instance-result.js';
import type { CreateProcessInstanceRequest__Output } from './generated/gateway_protocol/CreateProcessInstanceRequest.js';
import type { CreateProcessInstanceResponse } from './generated/gateway_protocol/CreateProcessInstanceResponse.js';
import { GrpcError } from './grpc-status.js';
import { checkTenant, DEFAULT_TENANT, readInt64, writeInt64, type RequestOf, type ResponseOf } from './gateway-rpc.js';

/** Zeebe's default for CreateProcessInstanceWithResult without a requestTimeout (C12). */
const DEFAULT_RESULT_TIMEOUT_MS = 15_000;

/** What a WithResult request without its inner request asks for: nothing (refused by the command). */
const NO_REQUEST: CreateProcessInstanceRequest__Output = {
  processDefinitionKey: '0',
  bpmnProcessId: '',
  version: -1,
  variables: '',
  startInstructions: [],
  tenantId: '',
};

function createRequest(r: CreateProcessInstanceRequest__Output): CreateInstanceRequest {
  return {
    processDefinitionKey: readInt64(r.processDefinitionKey),
    bpmnProcessId: r.bpmnProcessId,
    version: r.version,
    variables: r.variables,
    startElementIds: r.startInstructions.map((i) => i.elementId).filter(Boolean),
  };
}

function instanceResponse(i: CreateInstanceResult): Required<CreateProcessInstanceResponse> {
  return {
    processDefinitionKey: writeInt64(i.processDefinitionKey),
    bpmnProcessId: i.bpmnProcessId,
    version: i.version,
    processInstanceKey: writeInt64(i.processInstanceKey),
    tenantId: DEFAULT_TENANT,
  };
}

export function createInstance(
  engine: Engine,
  r: RequestOf<'CreateProcessInstance'>,
): ResponseOf<'CreateProcessInstance'> {
  checkTenant(r.tenantId);
  return instanceResponse(createProcessInstance(engine, createRequest(r)));
}

/** C12: answer when the root instance completes, with its variables (or only fetchVariables). */
export async function createInstanceWithResult(
  engine: Engine,
  r: RequestOf<'CreateProcessInstanceWithResult'>,
): Promise<ResponseOf<'CreateProcessInstanceWithResult'>> {
  const inner = r.request ?? NO_REQUEST;
  checkTenant(inner.tenantId);
  const requestTimeoutMs = readInt64(r.requestTimeout);
  const timeoutMs = requestTimeoutMs > 0 ? requestTimeoutMs : DEFAULT_RESULT_TIMEOUT_MS;
  try {
    const { created, variables } = await createAndAwaitResult(engine, createRequest(inner), timeoutMs);
    return { ...instanceResponse(created), variables: JSON.stringify(fetchedVariables(variables, r.fetchVariables)) };
  } catch (err) {
    if (!(err instanceof InstanceResultError)) throw err;
    throw err.reason === 'TERMINATED'
      ? new GrpcError(
          status.FAILED_PRECONDITION,
          `Command 'CREATE_WITH_AWAITING_RESULT' rejected with code 'INVALID_STATE': ${err.message}`,
        )
      : new GrpcError(
          status.DEADLINE_EXCEEDED,
          `Time out between gateway and broker: Request timed out after PT${timeoutMs / 1000}S`,
        );
  }
}
