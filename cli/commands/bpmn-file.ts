// A BPMN file on its way to becoming a ProcOSProcess, for `procos deploy` (a manifest in the
// folder procos up runs) and `kubectl procos deploy` / `diff` (an object in a namespace): checked
// with the engine's own validation first, so nothing invalid is ever written.
import { existsSync, readFileSync } from 'node:fs';
import { compileBpmn, formatProblem } from '../../lib/bpmn/index.js';
import { CommandError, EXIT, out } from './command.js';

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

export interface DeployableBpmn {
  xml: string;
  /** The id of its one executable process. */
  processId: string;
}

/** Reads and validates FILE; its problems are printed and exit 1, as nothing may be deployed. */
export async function readDeployableBpmn(file: string): Promise<DeployableBpmn> {
  if (!existsSync(file)) throw new CommandError(`${file}: no such file`, EXIT.failed);
  const xml = readFileSync(file, 'utf8');
  const compiled = await compileBpmn(xml);
  if (compiled.problems.length) {
    for (const p of compiled.problems) out(`error ${file}: ${formatProblem(p)}`);
    throw new CommandError(`${file} is not valid BPMN for the engine: nothing was deployed`, EXIT.failed);
  }
  const [process, ...others] = compiled.processes;
  if (!process || others.length)
    throw new CommandError(`${file} must hold exactly one executable process (it holds ${compiled.processes.length})`);
  return { xml, processId: process.id };
}

/** The ProcOSProcess that deploys `xml` (inline), under the SandboxPolicy `policy` if given. */
export function processManifest(
  name: string,
  xml: string,
  o: { namespace?: string; policy?: string } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'procos.io/v1alpha1',
    kind: 'ProcOSProcess',
    metadata: { name, ...(o.namespace ? { namespace: o.namespace } : {}) },
    spec: {
      ...(o.policy ? { sandboxPolicyRef: { name: o.policy } } : {}),
      bpmn: { inline: xml },
    },
  };
}
