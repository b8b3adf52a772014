// `kubectl procos` driven through the real kubectl binary, which finds kubectl-procos on PATH,
// against the real apiserver: a cluster without the CRDs, then with processes and pools.
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/cli/version.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { buildBinaries } from './cluster/control-plane.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';

describe('kubectl procos (through the real kubectl)', () => {
  let cluster: TestCluster;
  let kubectlBin: string;
  let pluginDir: string;
  const plugin = (...args: string[]): { code: number; stdout: string; stderr: string } => {
    try {
      const stdout = execFileSync(kubectlBin, ['procos', ...args, '--kubeconfig', cluster.kubeconfigPath], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        // kubectl finds plugins on PATH; node 22 must be there for the plugin's shebang.
        env: { ...process.env, PATH: `${pluginDir}:${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      });
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { code: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  beforeAll(async () => {
    cluster = await useCluster();
    kubectlBin = process.env.E2E_KUBECONFIG ? 'kubectl' : join(cluster.controlPlane?.bin ?? buildBinaries(), 'kubectl');
    pluginDir = tempDir('procos-plugin-');
    symlinkSync(join(projectRoot(), 'bin/kubectl-procos.js'), join(pluginDir, 'kubectl-procos'));
  }, 600_000);
  afterAll(async () => cluster.stop());

  it('is found by kubectl and prints its version', () => {
    const r = plugin('version');
    expect(r.stdout).toMatch(/^kubectl-procos \d+\.\d+\.\d+\n$/);
  });

  it('says to install the chart when the cluster has no ProcOS CRDs (exit 3)', () => {
    const r = plugin('status');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ProcOS is not installed in this cluster (no procos.io CRDs)');
    expect(r.stderr).toContain('helm install procos charts/procos');
  });

  it('shows processes and pools of a namespace, of all namespaces (-A), and as JSON', () => {
    installCrds(cluster, join(projectRoot(), 'crds'));
    for (const ns of ['team-a', 'team-b']) cluster.kubectl(['create', 'namespace', ns]);
    cluster.kubectl(['apply', '-n', 'team-a', '-f', join(projectRoot(), 'processes/samples/procosprocess.yaml')]);
    cluster.kubectl(['apply', '-n', 'team-b', '-f', join(projectRoot(), 'processes/samples/workerpool.yaml')]);

    const a = plugin('status', '-n', 'team-a');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^PROCESS +ID +VERSION +READY +REASON$/m);
    expect(a.stdout).toMatch(/^hello +- +- +Unknown$/m);
    expect(a.stdout).toContain('not ready: team-a/hello: not reconciled yet (is the operator running?)');
    expect(a.stdout).not.toContain('team-b');

    const all = plugin('status', '-A');
    expect(all.stdout).toMatch(/^team-a +hello /m);
    expect(all.stdout).toMatch(/^team-b +hello +0\/0 +0 +Unknown$/m);

    const json = JSON.parse(plugin('status', '-n', 'team-b', '-o', 'json').stdout) as { pools: { name: string }[] };
    expect(json.pools.map((p) => p.name)).toEqual(['hello']);
  });

  it('takes kubectl’s --context, and names a context that does not exist', () => {
    const r = plugin('status', '--context', 'nowhere');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('has no context nowhere');
  });

  it('says an unknown command is unknown, exit 2', () => {
    const r = plugin('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kubectl procos: unknown command "frobnicate"');
  });
});
