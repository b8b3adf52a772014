// `procos lint`: validates ProcOS manifests against the same schemas (and CEL rules) as the CRDs.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { parseManifest } from '../operator/api/index.js';

export interface LintFinding {
  file: string;
  /** 1-based index of the YAML document in the file. */
  document: number;
  name: string;
  errors: string[];
}

export async function lintManifestFile(file: string): Promise<LintFinding[]> {
  const text = await readFile(file, 'utf8');
  const findings: LintFinding[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length) {
      findings.push({ file, document: i + 1, name: '', errors: doc.errors.map((e) => `YAML: ${e.message}`) });
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const result = parseManifest(value);
    const rawName = (value as { metadata?: { name?: unknown } }).metadata?.name;
    const name = typeof rawName === 'string' ? rawName : '';
    findings.push({ file, document: i + 1, name, errors: result.ok ? [] : result.errors });
  });
  return findings;
}
