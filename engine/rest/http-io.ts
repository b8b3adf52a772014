// Reading requests at the REST edge: bodies no larger than the engine's message limit (413
// beyond, as Zeebe's gateway refuses large messages), JSON no deeper than the variables limit.
import type { IncomingMessage } from 'node:http';
import { MAX_VARIABLES_NESTING, jsonNestingDepth } from '../commands/variables-document.js';
import { RestError, badRequest } from './problems.js';

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = (): RestError =>
    new RestError(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds the maximum of ${maxBytes} bytes`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The body as JSON (undefined when empty). A document nested deeper than the engine accepts is
 * refused before it is parsed: the body wraps the variables document, hence one level more.
 */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  if (jsonNestingDepth(text) > MAX_VARIABLES_NESTING + 1)
    throw badRequest(
      `Expected the request body to be nested at most ${MAX_VARIABLES_NESTING} levels deep below its root, but it is nested deeper`,
    );
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`Expected the request body to be JSON, but ${(err as Error).message}`);
  }
}
