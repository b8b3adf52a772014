// `make cluster-up` / `cluster-down` as a user runs them (issue 10): a cluster with a real node in
// a network namespace of its own, reached by kubectl through the relays; a crashed cluster is
// cleaned up by the next cluster-up; cluster-down leaves the host as it was.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBinaries } from './cluster/control-plane.js';
import { mountsUnder, readSysctls } from './cluster/host-state.js';

const root = join(import.meta.dirname, '..');

describe.skipIf(process.env.E2E_KUBECONFIG)('make cluster-up / cluster-down', () => {
  it('runs a real node reachable through the relay; the next cluster-up cleans up after a crash; cluster-down puts the host back', () => {
    // Its own name, so a cluster-up the user has running is left alone.
    const name = `e2e-up-${process.pid}`;
    const env = { ...process.env, PROCOS_CLUSTER_NAME: name };
    const dir = join(root, '.cache', name);
    const cli = (command: string): string =>
      execFileSync('npx', ['tsx', 'e2e/cluster/cli.ts', command], { cwd: root, env, encoding: 'utf8', stdio: 'pipe' });
    const kubectl = (kubeconfig: string, args: string[]): string =>
      execFileSync(join(buildBinaries(), 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
    const netnsList = (): string => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const sysctls = readSysctls();
    try {
      upCrashUpDown();
    } finally {
      if (existsSync(dir)) cli('down'); // a failed assertion must not leave the cluster running
    }
    expect(readSysctls()).toEqual(sysctls);
    expect(netnsList()).not.toContain(`procos-${name}`);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join('/run/procos', name))).toBe(false);
    expect(mountsUnder(dir)).toEqual([]);
    expect(mountsUnder(join('/run/procos', name))).toEqual([]);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(name);

    function upCrashUpDown(): void {
      const first = cli('up');
      const kubeconfig = /export KUBECONFIG=(\S+)/.exec(first)?.[1] ?? `no KUBECONFIG in: ${first}`;
      expect(first).toMatch(new RegExp(`real node \\(kubelet \\+ containerd\\) in network namespace procos-${name}`));
      // make e2e built the images first: they are on the node, so the chart's presets run there.
      expect(first).toMatch(/^images on the node: .*procos\.local\/procos-operator:/m);
      // The printed kubeconfig reaches the apiserver through the relays; the node inside is Ready.
      expect(readFileSync(kubeconfig, 'utf8')).toMatch(/server: https:\/\/127\.0\.0\.1:\d+/);
      expect(
        kubectl(kubeconfig, ['get', 'nodes', '-o', 'jsonpath={.items[*].status.nodeInfo.containerRuntimeVersion}']),
      ).toBe('containerd://2.4.2');
      expect(netnsList()).toContain(`procos-${name}`);

      // A crash: every process of the cluster killed at once, nothing cleaned.
      for (const pid of readFileSync(join(dir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
      const second = cli('up');
      expect(second).toContain('cleaned up after a cluster that was not stopped with `make cluster-down`');
      const kubeconfig2 = /export KUBECONFIG=(\S+)/.exec(second)?.[1] ?? `no KUBECONFIG in: ${second}`;
      expect(kubectl(kubeconfig2, ['get', '--raw', '/readyz'])).toBe('ok');

      expect(cli('down')).toContain('cluster stopped; host state restored');
    }
  });
});
