// script.isolation Pod: each script run is a short-lived Job of its own — a restricted pod
// (non-root, read-only root, no capabilities, RuntimeDefault seccomp, the policy's RuntimeClass,
// no ServiceAccount token, no Service links), reached by no network (the operator's deny-all
// NetworkPolicy for the pool's script pods), killed at script.wallTimeSeconds by the Job's
// activeDeadlineSeconds, bounded by script.memory as its memory limit and by prlimit for CPU
// time. The job's input travels in a Secret owned by the Job; stdout comes back as the pod's
// log, the tail of stderr as its termination message. Deleting the Job removes all of it.
//
// For clusters whose pods cannot create user namespaces (no Localhost seccomp profile), or where
// scripts should run under a stronger RuntimeClass (gVisor, Kata) than the worker itself.
import { randomBytes } from 'node:crypto';
import { KubeError, resourcePath, type KubeClient } from '../../operator/runtime/kube-client.js';
import type { ScriptLimits } from './script-policy.js';
import { DEFAULT_MAX_OUTPUT_BYTES, formatBytes, type SandboxResult, type SandboxRun } from './script-sandbox.js';

/** Where the worker learns how to run script pods (set by the operator on Pod-isolation pools). */
export const POD_RUNNER_ENV = {
  image: 'PROCOS_SCRIPT_IMAGE',
  namespace: 'POD_NAMESPACE',
  pool: 'PROCOS_POOL',
  runtimeClassName: 'PROCOS_SCRIPT_RUNTIME_CLASS',
} as const;

/** The label of a pool's script pods: the operator's deny-all NetworkPolicy selects it. */
export const SCRIPT_OF_LABEL = 'procos.io/script-of';

export interface PodRunnerOptions {
  client: Pick<KubeClient, 'request' | 'requestText'>;
  namespace: string;
  image: string;
  /** The pool's label value (procos.io/script-of). */
  pool: string;
  runtimeClassName?: string;
  /** How often the pod is looked at while it runs. */
  pollMs?: number;
}

/** Exit code of the wrapper when the job's files cannot be put in place. */
const SETUP_FAILED = 125;
const MAX_PROCESSES = 64;
const MAX_OPEN_FILES = 256;

/**
 * The container's command: copy the job's files from the Secret into a writable /tmp/job, run
 * the script under prlimit with stdin from the Secret and stderr to a file, then leave the tail
 * of stderr as the termination message (kubelet reads at most 4 KiB of it).
 */
function wrapper(limits: ScriptLimits): string {
  const cpu = `${limits.cpuTimeSeconds}:${limits.cpuTimeSeconds + 1}`;
  return [
    `mkdir -p /tmp/job && cp -RL /procos/in/. /tmp/job/ && cd /tmp/job || exit ${SETUP_FAILED}`,
    `/usr/bin/prlimit --cpu=${cpu} --nproc=${MAX_PROCESSES} --nofile=${MAX_OPEN_FILES} --core=0 "$@" < /tmp/job/.stdin 2> /tmp/.stderr`,
    'code=$?',
    'tail -c 4000 /tmp/.stderr > /dev/termination-log',
    'exit $code',
  ].join('\n');
}

export function scriptJob(o: PodRunnerOptions, limits: ScriptLimits, run: SandboxRun, name: string) {
  const files = run.files ?? [];
  const labels = { [SCRIPT_OF_LABEL]: o.pool, 'app.kubernetes.io/managed-by': 'procos-worker' };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: o.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: limits.wallTimeSeconds,
      ttlSecondsAfterFinished: 300,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(o.runtimeClassName ? { runtimeClassName: o.runtimeClassName } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'script',
              image: o.image,
              command: ['/bin/sh', '-c', wrapper(limits), 'script', ...run.argv],
              env: Object.entries({ PATH: '/usr/bin', HOME: '/tmp', LANG: 'C.UTF-8', ...run.env }).map(
                ([name, value]) => ({ name, value }),
              ),
              resources: {
                requests: { cpu: '100m', memory: String(limits.memory) },
                limits: { cpu: '1', memory: String(limits.memory) },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: limits.readOnlyFilesystem,
                capabilities: { drop: ['ALL'] },
              },
              terminationMessagePolicy: 'File',
              volumeMounts: [
                { name: 'in', mountPath: '/procos/in', readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            {
              name: 'in',
              secret: {
                secretName: name,
                items: [{ key: 'stdin', path: '.stdin' }, ...files.map((f, i) => ({ key: `file-${i}`, path: f.name }))],
              },
            },
            { name: 'tmp', emptyDir: { sizeLimit: String(limits.memory) } },
          ],
        },
      },
    },
  };
  const base64 = (c: string | Buffer): string => Buffer.from(c).toString('base64');
  const secret = (owner: { uid: string }) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: o.namespace,
      labels,
      // Deleting the Job (or its TTL) deletes the job's input with it.
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: owner.uid }],
    },
    type: 'Opaque',
    data: {
      stdin: base64(run.stdin ?? ''),
      ...Object.fromEntries(files.map((f, i) => [`file-${i}`, base64(f.content)])),
    } as Record<string, string>,
  });
  return { job, secret };
}

interface PodView {
  metadata: { name: string };
  status?: {
    phase?: string;
    containerStatuses?: {
      state?: {
        waiting?: { reason?: string; message?: string };
        terminated?: { exitCode?: number; reason?: string; message?: string };
      };
    }[];
  };
}
interface JobView {
  metadata: { uid: string };
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}

const IMAGE_PROBLEMS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError']);

/** Runs one script as a Job; never throws for what the script does, only reports it. */
export async function runInPod(o: PodRunnerOptions, limits: ScriptLimits, run: SandboxRun): Promise<SandboxResult> {
  const name = `${o.pool.slice(0, 40).replace(/[-.]+$/, '')}-script-${randomBytes(5).toString('hex')}`;
  const { job, secret } = scriptJob(o, limits, run, name);
  const jobs = resourcePath('batch/v1', 'jobs', o.namespace);
  const fail = (kind: NonNullable<SandboxResult['failure']>['kind'], message: string, stderr = ''): SandboxResult => ({
    exitCode: null,
    stdout: '',
    stderr,
    failure: { kind, message },
  });
  let created: JobView;
  try {
    created = await o.client.request<JobView>('POST', jobs, { body: job });
    await o.client.request('POST', resourcePath('v1', 'secrets', o.namespace), { body: secret(created.metadata) });
  } catch (err) {
    await remove(o, name);
    return fail('sandbox', `the script pod could not be created: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return await watchRun(o, limits, run, name, Date.now());
  } finally {
    await remove(o, name);
  }
}

async function watchRun(
  o: PodRunnerOptions,
  limits: ScriptLimits,
  run: SandboxRun,
  name: string,
  startedAt: number,
): Promise<SandboxResult> {
  const maxOutput = run.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const podsPath = resourcePath('v1', 'pods', o.namespace);
  const jobPath = resourcePath('batch/v1', 'jobs', o.namespace, name);
  const result = (failure: SandboxResult['failure'], exitCode: number | null = null, stderr = ''): SandboxResult => ({
    exitCode,
    stdout: '',
    stderr,
    failure,
  });
  for (;;) {
    if (run.signal?.aborted)
      return result({ kind: 'aborted', message: "stopped: the job's time is up or the worker is handing it back" });
    const job = await o.client.request<JobView>('GET', jobPath);
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    if (failed?.reason === 'DeadlineExceeded')
      return result({
        kind: 'wall',
        message: `killed at the wall-clock limit of ${limits.wallTimeSeconds} s (SandboxPolicy script.wallTimeSeconds; the script pod's start counts)`,
      });
    const pods = await o.client.request<{ items: PodView[] }>('GET', podsPath, {
      query: { labelSelector: `batch.kubernetes.io/job-name=${name}` },
    });
    const pod = pods.items[0];
    const state = pod?.status?.containerStatuses?.[0]?.state;
    const waiting = state?.waiting;
    if (waiting?.reason && IMAGE_PROBLEMS.has(waiting.reason))
      return result({
        kind: 'sandbox',
        message: `the script pod cannot start: ${waiting.reason}: ${waiting.message ?? ''}`.trim(),
      });
    const done = state?.terminated;
    if (pod && done) {
      const stderr = done.message ?? '';
      const exitCode = done.exitCode ?? null;
      if (done.reason === 'OOMKilled')
        return result(
          { kind: 'memory', message: `out of memory under the ${String(limits.memory)} limit (script.memory)` },
          exitCode,
          stderr,
        );
      const log = await o.client.requestText('GET', `${podsPath}/${pod.metadata.name}/log`, {
        query: { container: 'script', limitBytes: maxOutput + 1 },
      });
      if (Buffer.byteLength(log) > maxOutput)
        return result(
          { kind: 'output', message: `output exceeded ${formatBytes(maxOutput)} (stdout); the run was killed` },
          exitCode,
          stderr,
        );
      const overdue = Date.now() - startedAt >= limits.wallTimeSeconds * 1000;
      return { exitCode, stdout: log, stderr, failure: classify(exitCode, stderr, limits, run, overdue) };
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
}

function classify(
  code: number | null,
  stderr: string,
  limits: ScriptLimits,
  run: SandboxRun,
  /** The wall-clock limit had passed: a kill is the Job's deadline, not the CPU limit. */
  overdue: boolean,
): SandboxResult['failure'] {
  if (code === 0) return undefined;
  if (overdue && (code === 137 || code === null))
    return {
      kind: 'wall',
      message: `killed at the wall-clock limit of ${limits.wallTimeSeconds} s (SandboxPolicy script.wallTimeSeconds; the script pod's start counts)`,
    };
  if (code === SETUP_FAILED) return { kind: 'sandbox', message: `the script pod could not set up /tmp/job: ${stderr}` };
  // prlimit's CPU limit: SIGXCPU (128 + 24), then SIGKILL a second later.
  if (code === 152 || code === 137)
    return { kind: 'cpu', message: `CPU time limit of ${limits.cpuTimeSeconds} s reached (script.cpuTimeSeconds)` };
  if (run.outOfMemory?.(stderr))
    return { kind: 'memory', message: `out of memory under the ${String(limits.memory)} limit (script.memory)` };
  const tail = stderr.trim().split('\n').slice(-5).join('\n');
  return { kind: 'exit', message: `exit code ${code ?? '?'}${tail ? `: ${tail}` : ''}` };
}

/** Deletes the Job, its pod and (through its owner) the input Secret; gone already is fine. */
async function remove(o: PodRunnerOptions, name: string): Promise<void> {
  try {
    await o.client.request('DELETE', resourcePath('batch/v1', 'jobs', o.namespace, name), {
      query: { propagationPolicy: 'Background' },
    });
  } catch (err) {
    if (!(err instanceof KubeError && err.status === 404)) throw err;
  }
}

/** Why scripts cannot run as pods from this worker, or undefined: its settings and its permission to create Jobs. */
export async function checkPodRunner(o: PodRunnerOptions): Promise<string | undefined> {
  try {
    await o.client.request('GET', resourcePath('batch/v1', 'jobs', o.namespace), { query: { limit: 1 } });
    return undefined;
  } catch (err) {
    return (
      `script isolation Pod: this worker cannot use the Kubernetes API to run script pods in namespace ` +
      `'${o.namespace}' (${err instanceof Error ? err.message : String(err)}); the operator binds the pool's ` +
      "ServiceAccount to the ClusterRole 'procos-script-runner', which the Helm chart installs"
    );
  }
}

/** The pod runner this worker was configured for (by the operator, through the environment). */
export async function podRunnerFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<PodRunnerOptions> {
  const missing = [POD_RUNNER_ENV.image, POD_RUNNER_ENV.namespace, POD_RUNNER_ENV.pool].filter((k) => !env[k]);
  if (missing.length)
    throw new Error(
      `script isolation Pod: ${missing.join(', ')} not set; the operator sets them on the worker pods of a pool ` +
        'whose SandboxPolicy asks for isolation Pod',
    );
  const { KubeClient } = await import('../../operator/runtime/kube-client.js');
  return {
    // In the pod: its ServiceAccount; elsewhere $KUBECONFIG or ~/.kube/config.
    client: await KubeClient.fromKubeconfig(env.KUBECONFIG),
    image: env[POD_RUNNER_ENV.image] ?? '',
    namespace: env[POD_RUNNER_ENV.namespace] ?? '',
    pool: env[POD_RUNNER_ENV.pool] ?? '',
    runtimeClassName: env[POD_RUNNER_ENV.runtimeClassName] || undefined,
  };
}
