// Job-based elements: service, send, job-based user and script tasks, business rule tasks
// without a called decision, and message throw and end events. A job of the element's type;
// the element completes when a worker completes the job.
import type { ElementBehaviour } from '../element-behaviour.js';
import { openBoundaryTriggers } from '../event-triggers.js';
import { createJob, evaluateJob, evaluateUserTaskHeaders } from '../jobs.js';

export const serviceTask: ElementBehaviour = {
  activate(flow, el, node) {
    if (!node.job) throw new Error(`${node.id} has no job definition`);
    const job = evaluateJob(flow, el, node.job);
    if (!job) return;
    const userTaskHeaders = evaluateUserTaskHeaders(flow, el, node.job);
    if (!userTaskHeaders) return;
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
    openBoundaryTriggers(flow, el, node);
    const headers = Object.keys(userTaskHeaders).length
      ? { ...node.job.headers, ...userTaskHeaders }
      : node.job.headers;
    createJob(flow, el, job, headers);
  },
};
