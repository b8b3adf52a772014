// Status content kept inside the CRD's own limits. A status the apiserver refuses (422) is a
// status nobody sees: a 300-character process id, 300 job types or a 40 KB policy message
// left resources with no status at all while every retry redeployed and posted another Event.
// Lists and messages are cut here, and the cut is said in the message.
import { MAX_STATUS_TASK_TYPES, procosProcessStatus, type ProcOSProcessStatus } from '../../api/index.js';

/** Condition messages may be 32 KiB; a few KiB is what a person reads in `kubectl describe`. */
export const MAX_MESSAGE_LENGTH = 4096;
/** Longest item quoted in a message (a job type, a process id, a glob). */
const MAX_ITEM_LENGTH = 120;
/** Items named in a message before "and N more". */
const MAX_ITEMS = 10;

// C0 controls (but tab and newline) and DEL: invisible, and some break terminals and YAML.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

function cut(text: string, max: number, suffix: (rest: number) => string): string {
  if (text.length <= max) return text;
  let end = max - suffix(text.length).length;
  // Never split a surrogate pair: half an emoji is invalid UTF-8 for the apiserver.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + suffix(text.length - end);
}

/** A message as a condition can hold it: printable, at most `max` characters, cut visibly. */
export function boundMessage(message: string, max = MAX_MESSAGE_LENGTH): string {
  return cut(message.replace(CONTROL, '\uFFFD'), max, (rest) => ` … (${rest} more characters)`);
}

/** One item quoted in a message: 'hello.greet', long ones shortened. */
export function quoteItem(item: string): string {
  return `'${cut(item.replace(CONTROL, '\uFFFD'), MAX_ITEM_LENGTH, () => '…')}'`;
}

/** 'a', 'b' and 3 more. */
export function listItems(items: string[], max = MAX_ITEMS): string {
  const named = items.slice(0, max).map(quoteItem).join(', ');
  return items.length > max ? `${named} and ${items.length - max} more` : named;
}

const taskTypeOk = (t: string): boolean => t.length >= 1 && t.length <= 255 && !/\s/.test(t);

/** The job types status.taskTypes can hold, and what the message should say about the rest. */
export function boundTaskTypes(types: string[]): { taskTypes: string[]; note?: string } {
  const storable = types.filter(taskTypeOk);
  const taskTypes = storable.slice(0, MAX_STATUS_TASK_TYPES);
  const notes: string[] = [];
  if (storable.length > taskTypes.length)
    notes.push(`status.taskTypes lists the first ${taskTypes.length} of ${storable.length} job types`);
  const odd = types.length - storable.length;
  if (odd) notes.push(`${odd} job type${odd > 1 ? 's' : ''} longer than 255 characters or with whitespace left out`);
  return { taskTypes, note: notes.length ? notes.join('; ') : undefined };
}

/**
 * Last line of defence before a write: the status checked against the CRD's schema (zod is
 * the CRD). Returns the problems, or nothing when the apiserver will take it.
 */
export function statusProblems(status: ProcOSProcessStatus): string[] {
  const r = procosProcessStatus.safeParse(status);
  return r.success ? [] : r.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
}
