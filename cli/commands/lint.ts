// `procos lint FILE...`: manifests (ProcOSProcess, WorkerPool, SandboxPolicy) against the CRDs'
// schemas and CEL rules; BPMN files against our validation (what procos-engine and the operator
// refuse, with element and line) and Camunda's compatibility rules (bpmnlint with
// bpmnlint-plugin-camunda-compat); --fix-diagram adds a diagram to BPMN that has none.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { compileBpmn, formatProblem, layoutFiles, lintBpmn } from '../../lib/bpmn/index.js';
import { lintManifestFile } from '../lint-manifests.js';
import { EXIT, out, type Command } from './command.js';

export const lintCommand: Command = {
  name: 'lint',
  help: `  procos lint FILE... [--fix-diagram]
                         Validate ProcOS manifests (YAML: the CRDs' schemas and CEL rules) and
                         BPMN files (what the engine refuses, named by element and line, then
                         Camunda 8's compatibility rules and modelling rules as warnings).
                         --fix-diagram writes a diagram into BPMN files that have none, so they
                         open laid out in Camunda Modeler. Exit 0 when nothing is an error, 1 otherwise.`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { 'fix-diagram': { type: 'boolean', default: false } },
    });
    if (!positionals.length) {
      process.stderr.write(
        'procos lint: no files given.\nUsage: procos lint FILE...   e.g. procos lint processes/*.yaml processes/*.bpmn\n',
      );
      return EXIT.usage;
    }
    const bpmn = positionals.filter((f) => f.endsWith('.bpmn'));
    if (values['fix-diagram'] && bpmn.length)
      for (const r of await layoutFiles(bpmn)) if (r.changed) out(`fixed ${r.file}: diagram added`);
    let failed = 0;
    for (const file of positionals)
      failed += file.endsWith('.bpmn') ? await lintBpmnFile(file) : await lintManifests(file);
    return failed ? EXIT.failed : EXIT.ok;
  },
};

async function lintManifests(file: string): Promise<number> {
  let failed = 0;
  for (const f of await lintManifestFile(file)) {
    const where = `${f.file}#${f.document}${f.name ? ` (${f.name})` : ''}`;
    if (f.errors.length === 0) {
      out(`ok    ${where}`);
      continue;
    }
    failed++;
    for (const e of f.errors) out(`error ${where}: ${e}`);
  }
  return failed;
}

async function lintBpmnFile(file: string): Promise<number> {
  const xml = await readFile(file, 'utf8');
  const compiled = await compileBpmn(xml);
  if (compiled.problems.length) {
    for (const p of compiled.problems) out(`error ${file}: ${formatProblem(p)}`);
    return 1;
  }
  const findings = await lintBpmn(xml);
  for (const f of findings)
    out(
      `${f.severity === 'error' ? 'error' : 'warn '} ${file}: ${f.line ? `line ${f.line}, ` : ''}element '${f.elementId}': ${f.message} [${f.rule}]`,
    );
  const errors = findings.filter((f) => f.severity === 'error').length;
  if (!errors)
    out(`ok    ${file}${findings.length ? ` (${findings.length} warning${findings.length > 1 ? 's' : ''})` : ''}`);
  return errors ? 1 : 0;
}
