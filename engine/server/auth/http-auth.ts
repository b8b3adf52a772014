// Authentication on the HTTP APIs (the read API and the REST API): the same check as gRPC, and a
// 401 problem detail that says only that the request was not authenticated.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendProblem } from '../problem-detail.js';
import { UNAUTHENTICATED_MESSAGE, type Authenticator } from './authenticator.js';

/** True when the request may go on; otherwise the 401 has been sent. */
export async function authenticateHttp(
  auth: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  onRefused?: () => void,
): Promise<boolean> {
  if (auth.mode === 'none') return true;
  const result = await auth.check(req.headers.authorization);
  if (result.ok) return true;
  onRefused?.();
  sendProblem(
    res,
    {
      title: 'Unauthorized',
      status: 401,
      detail: UNAUTHENTICATED_MESSAGE,
      instance: new URL(req.url ?? '/', 'http://localhost').pathname,
    },
    { 'www-authenticate': auth.challenge },
  );
  return false;
}
