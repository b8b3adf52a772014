// What a REST resource module provides: routes, each a method and a path template of Camunda's
// Orchestration Cluster API (v2), answered from engine commands and the engine's state.
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { JobDispatcher } from '../jobs/job-dispatcher.js';
import type { InstanceHistory } from '../monitoring/instance-history.js';
import type { JobStatistics } from '../monitoring/job-statistics.js';
import type { Engine } from '../processor/engine.js';
import { badRequest } from './problems.js';

export interface RestContext {
  engine: Engine;
  dispatcher: JobDispatcher;
  /** Start and end times, finished instances: what engine state does not keep. */
  history: InstanceHistory;
  /** Created, completed and failed jobs per type and minute (Camunda 8.9's job statistics). */
  jobStatistics: JobStatistics;
  host: string;
  grpcPort: () => number;
  /** When this engine started: the start time shown for instances recovered from before it. */
  startedAt: number;
  log: Logger;
}

export interface RestRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body, at most the engine's message size. */
  body(): Promise<Buffer>;
  /** The body as JSON; undefined when empty. */
  json(): Promise<unknown>;
  /** Aborted when the client goes away before the answer. */
  closed: AbortSignal;
}

export interface RestResponse {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** e.g. /v2/jobs/{jobKey}/completion */
  path: string;
  handle(req: RestRequest, ctx: RestContext): Promise<RestResponse> | RestResponse;
}

export const DEFAULT_TENANT = '<default>';

/** Multi-tenancy is off, as on the gRPC gateway (C5): only the default tenant exists. */
export function checkTenant(tenantId: string | undefined | null): void {
  if (tenantId && tenantId !== DEFAULT_TENANT)
    throw badRequest(`Expected to handle request with tenant identifier '${tenantId}', but multi-tenancy is disabled`);
}

/** A key from a path or body: decimal digits of an int64 the engine could have issued. */
export function parseKey(value: string | number | undefined, name: string): number {
  const text = String(value ?? '');
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw badRequest(`The provided ${name} '${text}' is not a valid key: expected a positive decimal number`);
  return Number(text);
}

export const k = (n: number | undefined): string | undefined => (n === undefined ? undefined : String(n));
