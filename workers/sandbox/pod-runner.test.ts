// The script pod's shape (pure); that it runs, is admitted under the Restricted level and
// returns the script's output is the real-node e2e's part (e2e/real-pods.e2e.test.ts).
import { describe, expect, it } from 'vitest';
import { scriptJob } from './pod-runner.js';
import { scriptTestPolicy } from './test-script-policy.js';

const options = {
  client: {
    request: () => Promise.reject(new Error('unused')),
    requestText: () => Promise.reject(new Error('unused')),
  },
  namespace: 'team-a',
  image: 'procos.local/procos-worker:0.1.0',
  pool: 'py',
};

describe('scriptJob', () => {
  const limits = scriptTestPolicy({ isolation: 'Pod', wallTimeSeconds: 20, cpuTimeSeconds: 5, memory: '128Mi' }).script;
  const { job, secret } = scriptJob(
    { ...options, runtimeClassName: 'gvisor' },
    limits,
    {
      argv: ['/usr/bin/python3', '-I', '/tmp/job/main.py'],
      files: [{ name: 'main.py', content: 'print(1)' }],
      stdin: '{"a":1}',
    },
    'py-script-0123456789',
  );
  const pod = job.spec.template.spec;
  const container = pod.containers[0];

  it('is a Restricted pod without token, links or retries, killed at the wall-clock limit', () => {
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 20 });
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      runtimeClassName: 'gvisor',
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.resources.limits).toEqual({ cpu: '1', memory: '128Mi' });
    // The deny-all NetworkPolicy of the pool selects this label.
    expect(job.spec.template.metadata.labels['procos.io/script-of']).toBe('py');
  });

  it('runs the argv under prlimit with the CPU limit, stdin and files from a Secret the Job owns', () => {
    expect(container?.command.slice(-3)).toEqual(['/usr/bin/python3', '-I', '/tmp/job/main.py']);
    expect(container?.command[2]).toContain('prlimit --cpu=5:6');
    expect(pod.volumes[0]?.secret?.items).toEqual([
      { key: 'stdin', path: '.stdin' },
      { key: 'file-0', path: 'main.py' },
    ]);
    const s = secret({ uid: 'job-uid' });
    expect(s.metadata.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'Job', name: 'py-script-0123456789', uid: 'job-uid' },
    ]);
    expect(Buffer.from(s.data.stdin ?? '', 'base64').toString()).toBe('{"a":1}');
    expect(Buffer.from(s.data['file-0'] ?? '', 'base64').toString()).toBe('print(1)');
  });
});
