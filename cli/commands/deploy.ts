// `procos deploy FILE.bpmn`: a BPMN becomes a ProcOSProcess in the folder `procos up` runs (a
// manifest with the BPMN inline, listed in the kustomization when there is one), so it is
// deployed the way every process is — validated, checked against its SandboxPolicy, versioned
// by checksum — and stays deployed at the next boot. Waits until the system reports it Ready.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { compileBpmn, formatProblem } from '../../lib/bpmn/index.js';
import { waitUntilReady } from './wait-ready.js';
import { kustomizationFile } from '../up/manifest-dir.js';
import { CommandError, EXIT, out, type Command } from './command.js';
import { LocalSystem, parseFlags, STATE_FLAG } from './local-system.js';

/** A Kubernetes object name from a process id (lower case, [a-z0-9-], at most 63). */
export function objectNameFor(processId: string): string {
  return (
    processId
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'process'
  );
}

export const deployCommand: Command = {
  name: 'deploy',
  help: `  procos deploy FILE.bpmn [--name NAME] [--policy POLICY] [--timeout SECONDS]
                         Validate FILE and add it to the folder procos up runs as a ProcOSProcess
                         (NAME.yaml, the BPMN inline; listed in kustomization.yaml), then wait
                         until the system has deployed it. --policy names the SandboxPolicy its
                         job types must be allowed by. Exit 1 when the BPMN or the policy
                         check fails (nothing is deployed), 3 when no procos up runs.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...STATE_FLAG,
      name: { type: 'string' },
      policy: { type: 'string' },
      timeout: { type: 'string', default: '60' },
    });
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new CommandError('usage: procos deploy FILE.bpmn', EXIT.usage);
    if (!existsSync(file)) throw new CommandError(`${file}: no such file`, EXIT.failed);
    const xml = readFileSync(file, 'utf8');
    const compiled = await compileBpmn(xml);
    if (compiled.problems.length) {
      for (const p of compiled.problems) out(`error ${file}: ${formatProblem(p)}`);
      throw new CommandError(`${file} is not valid BPMN for the engine: nothing was deployed`, EXIT.failed);
    }
    const [process, ...others] = compiled.processes;
    if (!process || others.length)
      throw new CommandError(
        `${file} must hold exactly one executable process (it holds ${compiled.processes.length})`,
      );
    const system = LocalSystem.find(values['state-dir']);
    const name = values.name ?? objectNameFor(process.id);
    const manifest = join(system.record.dir, `${name}.yaml`);
    writeFileSync(
      manifest,
      `# Deployed with \`procos deploy ${basename(file)}\`.\n` +
        stringify({
          apiVersion: 'procos.io/v1alpha1',
          kind: 'ProcOSProcess',
          metadata: { name },
          spec: {
            ...(values.policy ? { sandboxPolicyRef: { name: values.policy } } : {}),
            bpmn: { inline: xml },
          },
        }),
    );
    listInKustomization(system.record.dir, `${name}.yaml`);
    out(`wrote ${manifest}; waiting for procos up to deploy it`);
    const ready = await waitUntilReady(
      system,
      name,
      Number(values.timeout) * 1000,
      'ProcOSProcess',
      (spec) => (spec as { bpmn?: { inline?: string } } | undefined)?.bpmn?.inline === xml,
    );
    if (ready.status !== 'True')
      throw new CommandError(`${name} is not deployed: ${ready.reason}: ${ready.message}`, EXIT.failed);
    out(`${name}: ${ready.message}`);
    return EXIT.ok;
  },
};

/** Adds the file to `resources` of the folder's kustomization (comments kept), if it has one. */
function listInKustomization(dir: string, file: string): void {
  const k = kustomizationFile(dir);
  if (!k) return;
  const doc = parseDocument(readFileSync(k, 'utf8'));
  const resources = doc.get('resources') as { items?: { value?: unknown }[]; add?: (v: unknown) => void } | undefined;
  if (resources?.items?.some((i) => i.value === file)) return;
  if (resources?.add) resources.add(file);
  else doc.set('resources', [file]);
  writeFileSync(k, doc.toString());
}
