import { Rejection } from '../processor/rejection.js';

/** A variables document from the wire: "" means none; anything but a JSON object is rejected. */
export function parseVariablesDocument(intent: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Rejection(
      intent,
      'INVALID_ARGUMENT',
      `Property 'variables' is invalid: Expected document to be valid JSON, but ${(err as Error).message}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value)
      ? 'ARRAY'
      : value === null
        ? 'NIL'
        : typeof value === 'string'
          ? 'STRING'
          : typeof value === 'number'
            ? 'NUMBER'
            : 'BOOLEAN';
    throw new Rejection(
      intent,
      'INVALID_ARGUMENT',
      `Property 'variables' is invalid: Expected document to be a root level object, but was '${kind}'`,
    );
  }
  return value as Record<string, unknown>;
}
