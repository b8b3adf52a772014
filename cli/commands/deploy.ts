// `procos deploy FILE.bpmn`: a BPMN becomes a ProcOSProcess in the folder `procos up` runs (a
// manifest with the BPMN inline, listed in the kustomization when there is one), so it is
// deployed the way every process is — validated, checked against its SandboxPolicy, versioned
// by checksum — and stays deployed at the next boot. Waits until the system reports it Ready.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { waitUntilReady } from './wait-ready.js';
import { kustomizationFile } from '../up/manifest-dir.js';
import { objectNameFor, processManifest, readDeployableBpmn } from './bpmn-file.js';
import { CommandError, EXIT, out, parseFlags, type Command } from './command.js';
import { LocalSystem, STATE_FLAG } from './local-system.js';

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
    const { xml, processId } = await readDeployableBpmn(file);
    const system = LocalSystem.find(values['state-dir']);
    const name = values.name ?? objectNameFor(processId);
    const manifest = join(system.record.dir, `${name}.yaml`);
    writeFileSync(
      manifest,
      `# Deployed with \`procos deploy ${basename(file)}\`.\n` +
        stringify(processManifest(name, xml, { policy: values.policy })),
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
