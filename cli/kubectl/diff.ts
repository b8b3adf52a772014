// `kubectl procos diff FILE|DIR...`: the BPMN in local files against what the cluster's
// ProcOSProcesses deploy, as a unified diff; exit 0 when equal, 1 when they differ (as
// `kubectl diff`), above 1 on errors. A .bpmn file is matched to the ProcOSProcess deploying its
// process id (else the one `kubectl procos deploy` would create); a manifest's ProcOSProcess by
// its name.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import type { Condition } from '../../operator/runtime/conditions.js';
import { compileBpmn } from '../../lib/bpmn/index.js';
import { objectNameFor } from '../commands/bpmn-file.js';
import { CommandError, EXIT, parseFlags, type Command } from '../commands/command.js';
import { Cluster, CLUSTER_FLAGS } from './cluster.js';
import { unifiedDiff } from './unified-diff.js';

type Process = KubeObject & {
  spec?: { bpmn?: { inline?: string; configMapRef?: { name: string; key?: string } } };
  status?: { bpmnProcessId?: string; checksum?: string; version?: number; conditions?: Condition[] };
};

interface LocalBpmn {
  file: string;
  xml: string;
  /** The ProcOSProcess it is for: by name (a manifest), or by process id (a .bpmn file). */
  name?: string;
  namespace?: string;
  processId?: string;
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) throw new CommandError(`${path}: no such file or folder`, EXIT.usage);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .map((f) => join(path, f))
    .filter((f) => ['.bpmn', '.yaml', '.yml'].includes(extname(f)) && statSync(f).isFile())
    .sort();
}

async function localBpmn(file: string, explicit: boolean): Promise<LocalBpmn[]> {
  if (extname(file) === '.bpmn') {
    // Invalid BPMN still compares: the diff may be how the user finds what broke it.
    const xml = readFileSync(file, 'utf8');
    const [only, ...more] = (await compileBpmn(xml)).processes;
    if (!only || more.length)
      throw new CommandError(`${file} does not hold exactly one executable process: nothing to compare`, EXIT.usage);
    return [{ file, xml, processId: only.id }];
  }
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as KubeObject | null);
  const found = docs
    .filter((d): d is Process => d?.kind === 'ProcOSProcess')
    .flatMap((d) => {
      const xml = d.spec?.bpmn?.inline;
      if (!xml) {
        process.stderr.write(
          `${file}: ProcOSProcess ${d.metadata.name} reads its BPMN from a ConfigMap: not compared\n`,
        );
        return [];
      }
      return [{ file: `${file} (${d.metadata.name})`, xml, name: d.metadata.name, namespace: d.metadata.namespace }];
    });
  if (explicit && !found.length && !docs.some((d) => d?.kind === 'ProcOSProcess'))
    process.stderr.write(`${file}: no ProcOSProcess in it\n`);
  return found;
}

async function clusterBpmn(cluster: Cluster, p: Process): Promise<string> {
  const ref = p.spec?.bpmn?.configMapRef;
  if (!ref) return p.spec?.bpmn?.inline ?? '';
  const cm = await cluster.getOf<KubeObject & { data?: Record<string, string> }>(
    'v1',
    'configmaps',
    p.metadata.namespace,
    ref.name,
  );
  return cm?.data?.[ref.key ?? 'process.bpmn'] ?? '';
}

export const diffCommand: Command = {
  name: 'diff',
  summary: "local BPMN against the cluster's",
  help: `  kubectl procos diff FILE|DIR... [-n NS]
                         The BPMN of local files (.bpmn, or ProcOSProcess manifests; folders are
                         searched) against what the cluster's ProcOSProcesses hold, as a unified
                         diff (--- cluster, +++ local). Exit 0 when all are the same, 1 when any
                         differs or is not in the cluster, as kubectl diff; above 1 on errors.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, CLUSTER_FLAGS);
    if (!positionals.length) throw new CommandError('usage: kubectl procos diff FILE|DIR...', EXIT.usage);
    const locals = (
      await Promise.all(positionals.flatMap((p) => filesUnder(p).map((f) => localBpmn(f, f === p))))
    ).flat();
    if (!locals.length) throw new CommandError(`no BPMN found in ${positionals.join(' ')}`, EXIT.usage);
    const cluster = await Cluster.connect(values);
    const inNamespace = new Map<string, Process[]>();
    const processesOf = async (ns: string): Promise<Process[]> => {
      const cached = inNamespace.get(ns);
      if (cached) return cached;
      const list = await cluster.list<Process>('procosprocesses', { namespace: ns });
      inNamespace.set(ns, list);
      return list;
    };
    let differs = false;
    for (const l of locals) {
      const namespace = l.namespace ?? cluster.defaultNamespace;
      const processes = await processesOf(namespace);
      const target = l.name
        ? processes.find((p) => p.metadata.name === l.name)
        : (processes.find((p) => p.status?.bpmnProcessId === l.processId) ??
          processes.find((p) => p.metadata.name === objectNameFor(l.processId ?? '')));
      const name = target?.metadata.name ?? l.name ?? objectNameFor(l.processId ?? '');
      const live = target ? await clusterBpmn(cluster, target) : '';
      const text = unifiedDiff(live, l.xml, {
        from: target ? `${namespace}/procosprocess/${name} (cluster)` : '/dev/null (not in the cluster)',
        to: l.file,
      });
      if (text) {
        differs = true;
        process.stdout.write(text);
      }
      // Same spec, but the operator has not deployed it (yet): worth knowing before trusting "no diff".
      const checksum = createHash('sha256').update(live).digest('hex');
      if (target && !text && target.status?.checksum && target.status.checksum !== checksum) {
        const ready = target.status.conditions?.find((c) => c.type === 'Ready');
        process.stderr.write(
          `${namespace}/procosprocess/${name}: same BPMN, but the engine runs an older deployment` +
            `${ready ? ` (${ready.reason}: ${ready.message})` : ''}\n`,
        );
      }
    }
    return differs ? EXIT.failed : EXIT.ok;
  },
};
