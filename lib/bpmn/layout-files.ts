// Adds a diagram to BPMN files that lack one, in place (`procos lint --fix-diagram`, `make layout`).
import { readFile, writeFile } from 'node:fs/promises';
import { withDiagram } from './layout.js';

export interface LayoutResult {
  file: string;
  /** Whether the file was rewritten; false when its diagram was complete. */
  changed: boolean;
}

/**
 * Lays out every file first and writes only then, and only the files that change: one that
 * cannot be laid out (it rejects, naming the file) leaves all of them as they were.
 */
export async function layoutFiles(paths: string[]): Promise<LayoutResult[]> {
  const laidOut: { file: string; before: string; after: string }[] = [];
  for (const file of paths) {
    const before = await readFile(file, 'utf8');
    try {
      laidOut.push({ file, before, after: await withDiagram(before) });
    } catch (err) {
      throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  for (const { file, before, after } of laidOut) if (after !== before) await writeFile(file, after);
  return laidOut.map(({ file, before, after }) => ({ file, changed: after !== before }));
}
