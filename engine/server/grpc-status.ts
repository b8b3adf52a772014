// Maps engine errors to gRPC statuses once, at the edge (docs/zeebe-compatibility.md C2, C3).
import { status, type ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { Rejection, type RejectionType } from '../processor/rejection.js';

const CODE: Record<RejectionType, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  INVALID_STATE: status.FAILED_PRECONDITION,
  PROCESSING_ERROR: status.INTERNAL,
  EXCEEDED_BATCH_RECORD_SIZE: status.INVALID_ARGUMENT,
};

export class GrpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export function toServiceError(err: unknown): Partial<ServiceError> {
  if (err instanceof Rejection)
    return { code: CODE[err.rejectionType], details: err.message, metadata: new Metadata() };
  if (err instanceof GrpcError) return { code: err.code, details: err.message, metadata: new Metadata() };
  const message = err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, details: `Unexpected error: ${message}`, metadata: new Metadata() };
}

export function invalidArgument(message: string): GrpcError {
  return new GrpcError(status.INVALID_ARGUMENT, message);
}
