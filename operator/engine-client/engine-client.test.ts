import { describe, expect, it } from 'vitest';
import { classifyEngineError } from './engine-client.js';

/** What @grpc/grpc-js rejects with (a ServiceError): a numeric code and "<code> <NAME>: details". */
function grpcError(code: number, name: string, details: string): Error {
  return Object.assign(new Error(`${code} ${name}: ${details}`), { code, details });
}

describe('classifyEngineError', () => {
  it.each([
    [grpcError(14, 'UNAVAILABLE', 'No connection established. connect ECONNREFUSED'), 'EngineUnavailable', true, true],
    [grpcError(14, 'UNAVAILABLE', 'Connection dropped'), 'EngineUnavailable', true, false],
    [grpcError(4, 'DEADLINE_EXCEEDED', 'Deadline exceeded'), 'EngineUnavailable', true, false],
    [grpcError(8, 'RESOURCE_EXHAUSTED', 'backpressure'), 'EngineUnavailable', true, true],
    [grpcError(16, 'UNAUTHENTICATED', 'Expected bearer token'), 'EngineUnauthorized', true, true],
    [grpcError(7, 'PERMISSION_DENIED', 'tenant <default> not authorized'), 'EngineUnauthorized', true, true],
    [new Error('Failed to get token: invalid_client - bad secret'), 'EngineUnauthorized', true, true],
    [new Error('Error requesting token for Client Id op: 401 Unauthorized'), 'EngineUnauthorized', true, true],
    [grpcError(3, 'INVALID_ARGUMENT', 'bad BPMN'), 'EngineRejected', false, true],
    [grpcError(9, 'FAILED_PRECONDITION', 'no none start event'), 'EngineRejected', false, true],
    [grpcError(5, 'NOT_FOUND', 'no such definition'), 'EngineNotFound', false, true],
    [grpcError(13, 'INTERNAL', 'broker crashed'), 'EngineError', true, false],
    [grpcError(2, 'UNKNOWN', 'something'), 'EngineError', true, false],
    [grpcError(12, 'UNIMPLEMENTED', 'DeleteResource'), 'EngineError', true, true],
    [new RangeError('Maximum call stack size exceeded'), 'EngineError', true, false],
    [new Error('read ECONNRESET'), 'EngineUnavailable', true, false],
    ['a string', 'EngineError', true, false],
  ])('%s → %s (retried: %s, certainly not executed: %s)', (err, reason, transient, notExecuted) => {
    const e = classifyEngineError(err);
    expect({ reason: e.reason, transient: e.transient, notExecuted: e.notExecuted }).toEqual({
      reason,
      transient,
      notExecuted,
    });
  });

  it('reads the code from the message when the error carries none', () => {
    expect(classifyEngineError(new Error('7 PERMISSION_DENIED: no')).reason).toBe('EngineUnauthorized');
  });
});
