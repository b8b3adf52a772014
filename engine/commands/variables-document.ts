import { Rejection } from '../processor/rejection.js';

/**
 * How deeply a variables document may nest (Zeebe's JSON reader, Jackson, allows 1000). Deeper
 * documents are refused at the door: accepted, one would later break every activation of its
 * job type (serializing it overflows the stack).
 */
export const MAX_VARIABLES_NESTING = 1000;

/** The deepest nesting of objects and arrays in JSON text, counted without recursion. */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** A variables document from the wire: "" means none; anything but a JSON object is rejected. */
export function parseVariablesDocument(intent: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  if (jsonNestingDepth(text) > MAX_VARIABLES_NESTING)
    throw new Rejection(
      intent,
      'INVALID_ARGUMENT',
      `Property 'variables' is invalid: Expected document to be nested at most ${MAX_VARIABLES_NESTING} levels deep, but it is nested deeper`,
    );
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
