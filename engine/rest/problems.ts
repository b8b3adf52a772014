// Errors of the REST API as Camunda's are: RFC 9457 problem details whose title is the
// rejection type (NOT_FOUND, INVALID_ARGUMENT, INVALID_STATE, …) and whose detail is the
// engine's own message — mapped once, here, as the gRPC gateway maps them to statuses.
import { z } from 'zod';
import { Rejection, type RejectionType } from '../processor/rejection.js';
import type { ProblemDetail } from '../server/problem-detail.js';

export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string): RestError => new RestError(400, 'INVALID_ARGUMENT', detail);
export const notFound = (detail: string): RestError => new RestError(404, 'NOT_FOUND', detail);

const STATUS: Record<RejectionType, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  INVALID_STATE: 409,
  PROCESSING_ERROR: 500,
  EXCEEDED_BATCH_RECORD_SIZE: 400,
};

/** The problem for an error, or undefined for one nobody expected (a 500 the server logs). */
export function problemOf(err: unknown, instance: string): ProblemDetail | undefined {
  const p = (status: number, title: string, detail: string): ProblemDetail => ({
    type: 'about:blank',
    title,
    status,
    detail,
    instance,
  });
  if (err instanceof RestError) return p(err.status, err.title, err.message);
  if (err instanceof Rejection) return p(STATUS[err.rejectionType], err.rejectionType, err.message);
  if (err instanceof z.ZodError) return p(400, 'INVALID_ARGUMENT', describeIssues(err));
  return undefined;
}

function describeIssues(err: z.ZodError): string {
  return err.issues
    .map((i) => `${i.path.length ? `Property '${i.path.join('.')}'` : 'The request body'}: ${i.message}`)
    .join('; ');
}
