// `kubectl procos deploy FILE.bpmn`: the BPMN becomes (or updates) a ProcOSProcess in the
// namespace — checked with the engine's own validation first, then server-side applied with the
// field manager kubectl-procos, so the apiserver's schema and CEL rules and the operator do the
// rest as for any `kubectl apply`. A ProcOSProcess whose BPMN lives in a ConfigMap gets the
// ConfigMap's key updated instead, so its source stays where the user keeps it.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { MAX_INLINE_BPMN_BYTES } from '../../operator/api/procos-process.js';
import { objectNameFor, processManifest, readDeployableBpmn } from '../commands/bpmn-file.js';
import { CommandError, EXIT, out, parseFlags, type Command } from '../commands/command.js';
import type { Condition } from '../../operator/runtime/conditions.js';
import { Cluster, CLUSTER_FLAGS } from './cluster.js';

type Process = KubeObject & {
  spec?: {
    bpmn?: { inline?: string; configMapRef?: { name: string; key?: string } };
    sandboxPolicyRef?: { name: string };
  };
  status?: { bpmnProcessId?: string; observedGeneration?: number; checksum?: string; conditions?: Condition[] };
};

/** Not-ready reasons the operator retries by itself (kstatus Reconciling): keep waiting. */
const TRANSIENT = new Set(['EngineUnavailable', 'EngineUnauthorized', 'EngineError']);

/**
 * Waits until the operator deployed exactly this BPMN (status.checksum is its sha256), or
 * reported on this generation why it does not.
 */
async function waitDeployed(
  cluster: Cluster,
  name: string,
  o: { xml: string; generation?: number; timeoutMs: number },
): Promise<Condition> {
  const checksum = createHash('sha256').update(o.xml).digest('hex');
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const p = await cluster.get<Process>('procosprocesses', name);
    const ready = p?.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True' && p?.status?.checksum === checksum) return ready;
    const observed = p?.status?.observedGeneration;
    if (
      ready?.status === 'False' &&
      !TRANSIENT.has(ready.reason) &&
      o.generation !== undefined &&
      observed !== undefined &&
      observed >= o.generation
    )
      return ready;
    if (Date.now() > deadline)
      throw new CommandError(
        `procosprocess/${name} was not deployed within ${o.timeoutMs / 1000} s` +
          `${ready ? ` (last: ${ready.reason}: ${ready.message})` : ''}: is the ProcOS operator running?`,
        EXIT.failed,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'create or update a ProcOSProcess from a BPMN file',
  help: `  kubectl procos deploy FILE.bpmn [-n NS] [--name NAME] [--policy POLICY] [--wait [--timeout SECONDS]]
                         Validate FILE as the engine does, then create or update the
                         ProcOSProcess that deploys it: NAME, else the one already deploying its
                         process id, else one named after that id (the BPMN inline; or, when the
                         existing one reads a ConfigMap, that ConfigMap's key). --policy names the
                         SandboxPolicy its job types must be allowed by. --wait waits until the
                         operator has deployed it. Exit 1 when the BPMN is invalid (nothing is
                         written), the apiserver refuses it, or (--wait) it is not deployed.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...CLUSTER_FLAGS,
      name: { type: 'string' },
      policy: { type: 'string' },
      wait: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60' },
    });
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new CommandError('usage: kubectl procos deploy FILE.bpmn', EXIT.usage);
    const timeout = Number(values.timeout);
    if (!(timeout > 0)) throw new CommandError('--timeout is seconds above 0', EXIT.usage);
    const { xml, processId } = await readDeployableBpmn(file);
    const cluster = await Cluster.connect(values);
    const namespace = cluster.defaultNamespace;
    const existing = values.name
      ? await cluster.get<Process>('procosprocesses', values.name)
      : (await cluster.list<Process>('procosprocesses', { namespace })).find(
          (p) => p.status?.bpmnProcessId === processId,
        );
    const name = values.name ?? existing?.metadata.name ?? objectNameFor(processId);
    const before = existing ?? (await cluster.get<Process>('procosprocesses', name));
    const ref = before?.spec?.bpmn?.configMapRef;
    let after: Process;
    if (ref) {
      const key = ref.key ?? 'process.bpmn';
      await cluster.apply('v1', 'configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ref.name, namespace },
        data: { [key]: xml },
      });
      out(`configmap/${ref.name} key ${key} updated (procosprocess/${name} reads it)`);
      after = before;
      if (values.policy)
        after = await cluster.apply<Process>(
          'procos.io/v1alpha1',
          'procosprocesses',
          policyOnly(name, namespace, values.policy),
        );
    } else {
      if (Buffer.byteLength(xml) > MAX_INLINE_BPMN_BYTES)
        throw new CommandError(
          `${file} is larger than ${MAX_INLINE_BPMN_BYTES} bytes, the most a ProcOSProcess holds inline`,
          EXIT.failed,
        );
      // Server-side apply removes what the plugin applied before and omits now: keep the policy.
      const policy = values.policy ?? before?.spec?.sandboxPolicyRef?.name;
      after = await cluster.apply<Process>(
        'procos.io/v1alpha1',
        'procosprocesses',
        processManifest(name, xml, { namespace, policy }) as KubeObject,
      );
      const verb = !before
        ? 'created'
        : before.metadata.generation === after.metadata.generation
          ? 'unchanged'
          : 'configured';
      out(`procosprocess/${name} ${verb} in namespace ${namespace} (process ${processId})`);
    }
    if (!values.wait) {
      out(`the operator deploys it: kubectl wait --for=condition=Ready -n ${namespace} procosprocess/${name}`);
      return EXIT.ok;
    }
    // A ConfigMap edit changes no generation of the process: only its checksum says it was deployed.
    const ready = await waitDeployed(cluster, name, {
      xml,
      generation: ref ? undefined : after.metadata.generation,
      timeoutMs: timeout * 1000,
    });
    if (ready.status !== 'True')
      throw new CommandError(`procosprocess/${name} is not deployed: ${ready.reason}: ${ready.message}`, EXIT.failed);
    out(`procosprocess/${name}: ${ready.message}`);
    return EXIT.ok;
  },
};

function policyOnly(name: string, namespace: string, policy: string): KubeObject {
  return {
    apiVersion: 'procos.io/v1alpha1',
    kind: 'ProcOSProcess',
    metadata: { name, namespace },
    spec: { sandboxPolicyRef: { name: policy } },
  };
}
