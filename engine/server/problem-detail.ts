// RFC 9457 problem details, the error body of Camunda 8's REST API (and of the read API's 401).
import type { ServerResponse } from 'node:http';

export interface ProblemDetail {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
}

export function sendProblem(
  res: ServerResponse,
  p: Omit<ProblemDetail, 'type'> & { type?: string },
  headers: Record<string, string> = {},
): void {
  const body: ProblemDetail = { type: p.type ?? 'about:blank', ...p };
  if (res.headersSent) return void res.end();
  res.writeHead(p.status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify(body));
}
