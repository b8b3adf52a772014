// Jobs over REST: search (what ProcOS's backlog scaler reads on Camunda 8.8+: jobs of a type in
// state CREATED, counted by page.totalItems), activation as a long poll through the same job
// dispatcher as gRPC's ActivateJobs, completion, failure, error and update, and Camunda 8.9's
// job statistics (created, completed, failed per job type in a time window:
// monitoring/job-statistics.ts).
import { z } from 'zod';
import { returnJobs, type ActivatedJob } from '../commands/activate-jobs.js';
import { completeJob, type JobResult } from '../commands/complete-job.js';
import { failJob } from '../commands/fail-job.js';
import { throwError } from '../commands/throw-error.js';
import { updateJobRetries } from '../commands/update-job-retries.js';
import { updateJobTimeout } from '../commands/update-job-timeout.js';
import type { Job } from '../state/engine-state.js';
import { badRequest } from './problems.js';
import { DEFAULT_TENANT, checkTenant, parseKey, type RestContext, type Route } from './route.js';
import { search, type SearchSpec } from './search.js';
import type { JobTypeStatistics } from '../monitoring/job-statistics.js';

const Variables = z.record(z.string(), z.unknown()).nullish();

const Activation = z
  .object({
    type: z.string().trim().min(1),
    worker: z.string().optional(),
    timeout: z.number().int().min(1),
    maxJobsToActivate: z.number().int().min(1),
    fetchVariable: z.array(z.string()).optional(),
    requestTimeout: z.number().int().optional(),
    tenantIds: z.array(z.string()).optional(),
  })
  .strict();
/** Camunda's job result: what a task listener tells its user task, or a worker its ad-hoc subprocess. */
const UserTaskResult = z
  .object({
    type: z.literal('userTask').optional(),
    denied: z.boolean().nullish(),
    deniedReason: z.string().nullish(),
    corrections: z
      .object({
        assignee: z.string().nullish(),
        dueDate: z.string().nullish(),
        followUpDate: z.string().nullish(),
        candidateUsers: z.array(z.string()).nullish(),
        candidateGroups: z.array(z.string()).nullish(),
        priority: z.number().int().min(0).max(100).nullish(),
      })
      .strict()
      .nullish(),
  })
  .strict();
const AdHocSubProcessResult = z
  .object({
    type: z.literal('adHocSubProcess'),
    activateElements: z
      .array(
        z.object({ elementId: z.string().min(1), variables: z.record(z.string(), z.unknown()).nullish() }).strict(),
      )
      .nullish(),
    isCompletionConditionFulfilled: z.boolean().nullish(),
    isCancelRemainingInstances: z.boolean().nullish(),
  })
  .strict();
const Result = z.union([AdHocSubProcessResult, UserTaskResult]);
const Completion = z
  .object({
    variables: Variables,
    result: Result.nullish(),
  })
  .strict();

/** The result without nulls, as the engine takes it. */
function resultOf(r: z.infer<typeof Result> | null | undefined): JobResult | undefined {
  if (!r) return undefined;
  if (r.type === 'adHocSubProcess')
    return {
      type: 'adHocSubProcess',
      activateElements: (r.activateElements ?? []).map((a) => ({
        elementId: a.elementId,
        variables: a.variables ?? {},
      })),
      isCompletionConditionFulfilled: r.isCompletionConditionFulfilled ?? false,
      isCancelRemainingInstances: r.isCancelRemainingInstances ?? false,
    };
  const corrections = Object.fromEntries(Object.entries(r.corrections ?? {}).filter(([, v]) => v != null));
  return {
    type: 'userTask',
    ...(r.denied ? { denied: true, deniedReason: r.deniedReason ?? '' } : {}),
    ...(Object.keys(corrections).length ? { corrections } : {}),
  };
}
const Failure = z
  .object({
    retries: z.number().int().optional(),
    errorMessage: z.string().nullish(),
    retryBackOff: z.number().int().min(0).optional(),
    variables: Variables,
  })
  .strict();
const ErrorThrow = z
  .object({ errorCode: z.string().min(1), errorMessage: z.string().nullish(), variables: Variables })
  .strict();
const Update = z
  .object({
    changeset: z
      .object({ retries: z.number().int().nullish(), timeout: z.number().int().nullish() })
      .strict()
      .refine((c) => c.retries != null || c.timeout != null, { message: 'Expected retries or timeout to change' }),
    operationReference: z.number().int().optional(),
  })
  .strict();

/** Camunda's job states: a job waiting or being worked on is CREATED until it ends or fails. */
function stateOf(job: Job): string {
  if (job.state === 'FAILED') return 'FAILED';
  if (job.state === 'ERROR_THROWN') return 'ERROR_THROWN';
  return 'CREATED';
}
const kindOf = (job: Job): string =>
  job.userTaskKey !== undefined ? 'TASK_LISTENER' : job.listener ? 'EXECUTION_LISTENER' : 'BPMN_ELEMENT';
const listenerEventOf = (job: Job): string =>
  job.listener === 'start' ? 'START' : job.listener === 'end' ? 'END' : 'UNSPECIFIED';
const failedWithRetriesLeft = (job: Job): boolean =>
  job.state !== 'FAILED' && job.errorMessage !== '' && job.retries > 0;

const SPEC: SearchSpec<Job> = {
  defaultSort: 'jobKey',
  fields: {
    jobKey: { kind: 'key', get: (j) => j.key },
    type: { kind: 'string', get: (j) => j.type },
    state: { kind: 'enum', get: stateOf },
    worker: { kind: 'string', get: (j) => j.worker || undefined },
    retries: { kind: 'integer', get: (j) => j.retries },
    kind: { kind: 'enum', get: kindOf },
    listenerEventType: { kind: 'enum', get: listenerEventOf },
    elementId: { kind: 'string', get: (j) => j.elementId },
    elementInstanceKey: { kind: 'key', get: (j) => j.elementInstanceKey },
    processDefinitionId: { kind: 'string', get: (j) => j.bpmnProcessId },
    processDefinitionKey: { kind: 'key', get: (j) => j.processDefinitionKey },
    processInstanceKey: { kind: 'key', get: (j) => j.processInstanceKey },
    deadline: { kind: 'date', get: (j) => (j.state === 'ACTIVATED' ? new Date(j.deadline).toISOString() : undefined) },
    errorMessage: { kind: 'string', get: (j) => j.errorMessage || undefined },
    hasFailedWithRetriesLeft: { kind: 'boolean', get: failedWithRetriesLeft },
    tenantId: { kind: 'string', get: () => DEFAULT_TENANT },
  },
};

function searchView(j: Job): Record<string, unknown> {
  return {
    customHeaders: j.customHeaders,
    deadline: j.state === 'ACTIVATED' ? new Date(j.deadline).toISOString() : null,
    elementId: j.elementId,
    elementInstanceKey: String(j.elementInstanceKey),
    errorMessage: j.errorMessage || null,
    hasFailedWithRetriesLeft: failedWithRetriesLeft(j),
    jobKey: String(j.key),
    kind: kindOf(j),
    listenerEventType: listenerEventOf(j),
    processDefinitionId: j.bpmnProcessId,
    processDefinitionKey: String(j.processDefinitionKey),
    processInstanceKey: String(j.processInstanceKey),
    retries: j.retries,
    state: stateOf(j),
    tenantId: DEFAULT_TENANT,
    type: j.type,
    worker: j.worker,
  };
}

function activatedView(j: ActivatedJob, job: Job | undefined): Record<string, unknown> {
  return {
    type: j.type,
    processDefinitionId: j.bpmnProcessId,
    processDefinitionVersion: j.processDefinitionVersion,
    elementId: j.elementId,
    customHeaders: JSON.parse(j.customHeaders) as unknown,
    worker: j.worker,
    retries: j.retries,
    deadline: j.deadline,
    variables: JSON.parse(j.variables) as unknown,
    tenantId: DEFAULT_TENANT,
    jobKey: String(j.key),
    processInstanceKey: String(j.processInstanceKey),
    processDefinitionKey: String(j.processDefinitionKey),
    elementInstanceKey: String(j.elementInstanceKey),
    kind: job ? kindOf(job) : 'BPMN_ELEMENT',
    listenerEventType: job ? listenerEventOf(job) : 'UNSPECIFIED',
  };
}

/** An ISO 8601 date-time of a statistics window, as epoch ms. */
const Instant = z
  .string({ error: 'required: an ISO 8601 date-time' })
  .refine((v) => !Number.isNaN(Date.parse(v)), 'invalid: expected an ISO 8601 date-time')
  .transform((v) => Date.parse(v));
const StatisticsByTypes = z
  .object({
    filter: z.object({ from: Instant, to: Instant, jobType: z.unknown().optional() }).strict().optional(),
    page: z
      .object({ after: z.string().optional(), limit: z.number().int().min(1).max(10_000).optional() })
      .strict()
      .optional(),
  })
  .strict();
const BY_TYPE: SearchSpec<JobTypeStatistics> = {
  fields: { jobType: { kind: 'string', get: (s) => s.jobType } },
  defaultSort: 'jobType',
};

export function jobRoutes(ctx: RestContext): Route[] {
  const { engine, dispatcher, jobStatistics } = ctx;
  const jobKey = (params: Record<string, string>): number => parseKey(params.jobKey, 'jobKey');
  const text = (v: Record<string, unknown> | null | undefined): string => JSON.stringify(v ?? {});
  return [
    {
      method: 'POST',
      path: '/v2/jobs/search',
      async handle(req) {
        return { status: 200, body: search(SPEC, engine.state.jobs.values(), await req.json(), searchView) };
      },
    },
    {
      method: 'POST',
      path: '/v2/jobs/statistics/by-types',
      async handle(req) {
        const r = StatisticsByTypes.parse((await req.json()) ?? {});
        const { from = 0, to = Number.MAX_SAFE_INTEGER, jobType } = r.filter ?? {};
        const items = jobStatistics.byType(from, to);
        const query = {
          ...(jobType === undefined ? {} : { filter: { jobType } }),
          ...(r.page ? { page: r.page } : {}),
        };
        return { status: 200, body: search(BY_TYPE, items, query, (s) => s) };
      },
    },
    {
      method: 'GET',
      path: '/v2/jobs/statistics/global',
      handle(req) {
        const window = z
          .object({ from: Instant, to: Instant, jobType: z.string().min(1).optional() })
          .parse(Object.fromEntries(req.query));
        return {
          status: 200,
          body: {
            ...jobStatistics.global(window.from, window.to, window.jobType),
            isIncomplete: jobStatistics.incomplete(window.from),
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/v2/jobs/activation',
      async handle(req) {
        const r = Activation.parse(await req.json());
        for (const t of r.tenantIds ?? []) checkTenant(t);
        const request = {
          type: r.type,
          worker: r.worker ?? '',
          timeoutMs: r.timeout,
          maxJobs: r.maxJobsToActivate,
          fetchVariables: r.fetchVariable ?? [],
        };
        const jobs = await new Promise<ActivatedJob[]>((resolve) => {
          const received: ActivatedJob[] = [];
          const cancel = dispatcher.activate(
            { request, respond: (js) => received.push(...js), end: () => resolve(received) },
            r.requestTimeout ?? 0,
          );
          req.closed.addEventListener('abort', () => {
            cancel();
            resolve(received);
          });
        });
        if (req.closed.aborted) {
          // Nobody is left to work on them: back to the backlog at once, not after their timeout.
          returnJobs(
            engine,
            jobs.map((j) => j.key),
          );
          return { status: 204 };
        }
        return { status: 200, body: { jobs: jobs.map((j) => activatedView(j, engine.state.jobs.get(j.key))) } };
      },
    },
    {
      method: 'POST',
      path: '/v2/jobs/{jobKey}/completion',
      async handle(req) {
        const r = Completion.parse((await req.json()) ?? {});
        completeJob(engine, jobKey(req.params), text(r.variables), resultOf(r.result));
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: '/v2/jobs/{jobKey}/failure',
      async handle(req) {
        const r = Failure.parse((await req.json()) ?? {});
        failJob(engine, {
          jobKey: jobKey(req.params),
          retries: r.retries ?? 0,
          errorMessage: r.errorMessage ?? '',
          retryBackOffMs: r.retryBackOff ?? 0,
          variables: text(r.variables),
        });
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: '/v2/jobs/{jobKey}/error',
      async handle(req) {
        const r = ErrorThrow.parse(await req.json());
        throwError(engine, jobKey(req.params), r.errorCode, r.errorMessage ?? '', text(r.variables));
        return { status: 204 };
      },
    },
    {
      method: 'PATCH',
      path: '/v2/jobs/{jobKey}',
      async handle(req) {
        const { changeset } = Update.parse(await req.json());
        const key = jobKey(req.params);
        if (changeset.retries != null) updateJobRetries(engine, key, changeset.retries);
        if (changeset.timeout != null) {
          if (changeset.timeout < 1) throw badRequest('Expected timeout to be at least 1 ms');
          updateJobTimeout(engine, key, changeset.timeout);
        }
        return { status: 204 };
      },
    },
  ];
}
