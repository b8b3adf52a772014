// `kubectl procos` driven through the real kubectl binary, which finds kubectl-procos (and, for
// completion, kubectl_complete-procos) on PATH, against the real apiserver: a cluster without the
// CRDs, then with processes and pools; the engine commands against a procos-engine on loopback
// (--engine-address); then, on the real node, the chart's bundled engine in a pod (found from the
// chart's operator Deployment and reached through a port-forward), the operator and real worker
// pods — the tree, logs, a support bundle with a planted secret, version.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { spawnEngine, type EngineProcess } from '../engine/testing/engine-process.js';
import { buildImages } from '../images/build.js';
import { projectRoot } from '../lib/cli/version.js';
import { freePort } from '../lib/net/free-port.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { sdkClient, type ZeebeGrpcClient } from '../lib/zeebe/sdk-client.js';
import { buildBinaries } from './cluster/control-plane.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';

const root = projectRoot();
const HELLO_BPMN = join(root, 'processes/hello.bpmn');
const HOLD_BPMN = join(root, 'cli/up/testdata/hold.bpmn');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A program in the background (a server of this test answers it meanwhile), with `env` added. */
function exec(file: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** processes/hello.bpmn as process `boom`, whose first task is a job type no pool serves. */
function boomBpmn(dir: string): string {
  const file = join(dir, 'boom.bpmn');
  writeFileSync(
    file,
    readFileSync(HELLO_BPMN, 'utf8').replaceAll('"hello"', '"boom"').replace('type="hello.greet"', 'type="hello.boom"'),
  );
  return file;
}

/** Takes the instance's job of `type` as a worker would, and fails it with no retries left: an incident. */
async function failJobOf(zbc: ZeebeGrpcClient, instance: string, type: string, errorMessage: string): Promise<void> {
  const job = await waitFor(`the ${type} job of instance ${instance}`, async () => {
    const jobs = await zbc.activateJobs({
      type,
      worker: 'e2e',
      maxJobsToActivate: 10,
      timeout: 60_000,
      requestTimeout: 1000,
    });
    return jobs.find((j) => j.processInstanceKey === instance);
  });
  await zbc.failJob({ jobKey: job.key, errorMessage, retries: 0, retryBackOff: 0 });
}

describe('kubectl procos (through the real kubectl)', () => {
  let cluster: TestCluster;
  let kubectlBin: string;
  let pluginDir: string;
  /** Without engine settings of the machine running the tests: each test says which engine. */
  const ENGINE_ENV = [
    'ZEEBE_GRPC_ADDRESS',
    'PROCOS_ENGINE_MONITORING_URL',
    'CAMUNDA_AUTH_STRATEGY',
    'CAMUNDA_OAUTH_TOKEN',
    'KUBECONFIG',
  ];
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !ENGINE_ENV.includes(k))),
    // kubectl finds plugins on PATH; node 22 must be there for the plugin's shebang.
    PATH: `${pluginDir}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    ...extra,
  });
  const kubectlRun = (args: string[], extraEnv: Record<string, string> = {}): Run => {
    try {
      const stdout = execFileSync(kubectlBin, args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: env(extraEnv),
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { code: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const plugin = (...args: string[]): Run => kubectlRun(['procos', ...args, '--kubeconfig', cluster.kubeconfigPath]);
  beforeAll(async () => {
    cluster = await useCluster({ realNode: true });
    kubectlBin = process.env.E2E_KUBECONFIG ? 'kubectl' : join(cluster.controlPlane?.bin ?? buildBinaries(), 'kubectl');
    pluginDir = tempDir('procos-plugin-');
    symlinkSync(join(root, 'bin/kubectl-procos.js'), join(pluginDir, 'kubectl-procos'));
    symlinkSync(join(root, 'bin/kubectl_complete-procos'), join(pluginDir, 'kubectl_complete-procos'));
  }, 900_000);
  afterAll(async () => cluster.stop());

  it('is found by kubectl and prints its version', () => {
    const r = plugin('version', '--client');
    expect(r.stdout).toMatch(/^kubectl-procos \d+\.\d+\.\d+\n$/);
    expect(JSON.parse(plugin('version', '--client', '-o', 'json').stdout)).toEqual({
      'kubectl-procos': expect.stringMatching(/^\d+\.\d+\.\d+$/) as unknown,
    });
  });

  it('says to install the chart when the cluster has no ProcOS CRDs (exit 3)', () => {
    const r = plugin('status');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ProcOS is not installed in this cluster (no procos.io CRDs)');
    expect(r.stderr).toContain('helm install procos charts/procos');
    const v = plugin('version');
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^kubernetes v1\.\d+\.\d+$/m);
    expect(v.stdout).toContain('operator: none found (install the chart');
    expect(v.stdout).toContain('crds: none');
    // No engine address given, and no operator to take one from: exit 3, saying what was tried.
    const run = plugin('run', 'hello');
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('cannot find the engine: no --engine-address, no ZEEBE_GRPC_ADDRESS');
    expect(run.stderr).toContain('no ProcOS operator Deployment (label app.kubernetes.io/name=procos-operator)');
  });

  it('shows processes and pools of a namespace, of all namespaces (-A), and as JSON', () => {
    installCrds(cluster, join(root, 'crds'));
    for (const ns of ['team-a', 'team-b']) cluster.kubectl(['create', 'namespace', ns]);
    cluster.kubectl(['apply', '-n', 'team-a', '-f', join(root, 'processes/samples/procosprocess.yaml')]);
    cluster.kubectl(['apply', '-n', 'team-b', '-f', join(root, 'processes/samples/workerpool.yaml')]);

    const a = plugin('status', '-n', 'team-a');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^PROCESS +ID +VERSION +READY +REASON$/m);
    expect(a.stdout).toMatch(/^hello +- +- +Unknown$/m);
    expect(a.stdout).toContain('not ready: team-a/hello: not reconciled yet (is the operator running?)');
    expect(a.stdout).not.toContain('team-b');

    const all = plugin('status', '-A');
    expect(all.stdout).toMatch(/^team-a +hello /m);
    expect(all.stdout).toMatch(/^team-b +hello +0\/0 +0 +Unknown$/m);
    // Flags may come before the command, as with kubectl's own commands.
    expect(plugin('-n', 'team-b', 'status').stdout).toMatch(/^hello +0\/0 +0 +Unknown$/m);

    const json = JSON.parse(plugin('status', '-n', 'team-b', '-o', 'json').stdout) as { pools: { name: string }[] };
    expect(json.pools.map((p) => p.name)).toEqual(['hello']);
    const yaml = parse(plugin('status', '-n', 'team-b', '-o', 'yaml').stdout) as { pools: { name: string }[] };
    expect(yaml.pools.map((p) => p.name)).toEqual(['hello']);

    // Not reconciled, so the tree takes the job types from the BPMN itself.
    const tree = plugin('get', '-n', 'team-a');
    expect(tree.stdout).toBe(
      [
        'process hello  not reconciled yet',
        '└── not deployed yet',
        '    ├── job type hello.greet',
        '    │   └── no WorkerPool serves it: its jobs wait',
        '    └── job type hello.reply',
        '        └── no WorkerPool serves it: its jobs wait',
        '',
      ].join('\n'),
    );
    // These would hold the process id `hello` the real pods below use (the oldest resource owns an id).
    cluster.kubectl(['delete', '-n', 'team-a', 'procosprocess', 'hello']);
    cluster.kubectl(['delete', '-n', 'team-b', 'workerpool', 'hello']);
  });

  it('takes kubectl’s --context, and names a context that does not exist', () => {
    const r = plugin('status', '--context', 'nowhere');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('has no context nowhere');
  });

  it('says a namespace that does not exist does not exist (exit 1), where kubectl would list nothing', () => {
    const r = plugin('status', '-n', 'no-such-namespace');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('namespace no-such-namespace does not exist in this cluster');
  });

  it('says an unknown command is unknown, exit 2; every command explains itself with --help', () => {
    const r = plugin('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kubectl procos: unknown command "frobnicate"');
    const help = plugin('--help').stdout;
    expect(help).not.toContain('Still to come');
    const commands = [
      'status',
      'get',
      'deploy',
      'run',
      'incidents',
      'backlog',
      'explain',
      'diff',
      'logs',
      'report',
      'version',
      'completion',
    ];
    for (const c of commands) {
      expect(help, c).toContain(`  kubectl procos ${c} `);
      const own = plugin(c, '--help');
      expect(own.code, c).toBe(0);
      expect(own.stdout, c).toMatch(new RegExp(`^Usage:\\n  kubectl procos ${c}\\b`, 'm'));
      expect(own.stdout.split('\n').length, c).toBeLessThan(20);
    }
  });

  it('completes through kubectl’s own plugin completion (kubectl_complete-procos) and with its bash script', () => {
    const kubeconfig = { KUBECONFIG: cluster.kubeconfigPath };
    cluster.kubectl(['create', 'namespace', 'completing']);
    cluster.kubectl(['apply', '-n', 'completing', '-f', join(root, 'processes/samples/workerpool.yaml')]);
    const words = (r: Run): string[] =>
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0] ?? '');
    const top = kubectlRun(['__complete', 'procos', ''], kubeconfig);
    expect(top.code, top.stderr).toBe(0);
    expect(words(top)).toEqual(expect.arrayContaining(['status', 'get', 'deploy', 'run', 'logs', 'report', ':4']));
    expect(top.stdout).toContain("logs\ta pool's worker logs");
    expect(words(kubectlRun(['__complete', 'procos', 'logs', '-n', 'completing', ''], kubeconfig))).toEqual([
      'hello',
      ':4',
    ]);
    expect(words(kubectlRun(['__complete', 'procos', 'status', '-n', 'compl'], kubeconfig))).toEqual([
      'completing',
      ':4',
    ]);
    expect(words(kubectlRun(['__complete', 'procos', 'get', '-o', ''], kubeconfig))).toEqual([
      'json',
      'yaml',
      'text',
      ':4',
    ]);

    // `kubectl-procos` by its own name, with the script `completion bash` prints.
    const script = join(tempDir('procos-completion-'), 'procos.bash');
    writeFileSync(script, plugin('completion', 'bash').stdout);
    const bash = (line: string[]): string[] =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${script}; COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; ` +
            '__kubectl_procos_complete; printf "%s\\n" "${COMPREPLY[@]}"',
        ],
        { encoding: 'utf8', env: env(kubeconfig) },
      )
        .split('\n')
        .filter(Boolean);
    expect(bash(['kubectl-procos', 'lo'])).toEqual(['logs']);
    expect(bash(['kubectl-procos', 'logs', '-n', 'completing', 'h'])).toEqual(['hello']);
    // zsh (make host-tools installs it): the script's function, zsh's own helpers stubbed to print what they get.
    if (!existsSync('/usr/bin/zsh') && !existsSync('/bin/zsh'))
      throw new Error('zsh is missing: run `make host-tools` (as root: apt-get install zsh)');
    const zshScript = join(dirname(script), 'procos.zsh');
    writeFileSync(zshScript, plugin('completion', 'zsh').stdout);
    const zsh = (line: string[]): string[] =>
      execFileSync(
        'zsh',
        [
          '-c',
          'compdef() { :; }; _describe() { print -l -- "${(@P)2}"; }; _files() { print -- "_files $*"; }; ' +
            `source ${zshScript}; words=(${line.map((w) => `'${w}'`).join(' ')}); CURRENT=${line.length}; __kubectl_procos`,
        ],
        { encoding: 'utf8', env: env(kubeconfig) },
      )
        .split('\n')
        .filter(Boolean);
    expect(zsh(['kubectl-procos', 'lo'])).toEqual(["logs:a pool's worker logs"]);
    expect(zsh(['kubectl-procos', 'deploy', ''])).toEqual(['_files -g *.(bpmn)']);
    expect(plugin('completion', 'fish').code).toBe(2);
    cluster.kubectl(['delete', 'namespace', 'completing', '--wait=false']);
  });

  it('deploy creates, leaves unchanged and updates a ProcOSProcess; invalid BPMN writes nothing', () => {
    cluster.kubectl(['create', 'namespace', 'deploys']);
    const created = plugin('deploy', HOLD_BPMN, '-n', 'deploys', '--policy', 'hello');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('procosprocess/hold created in namespace deploys (process hold)');
    const stored = JSON.parse(cluster.kubectl(['get', '-n', 'deploys', 'procosprocess', 'hold', '-o', 'json'])) as {
      spec: { bpmn: { inline: string }; sandboxPolicyRef: { name: string } };
    };
    expect(stored.spec.bpmn.inline).toBe(readFileSync(HOLD_BPMN, 'utf8'));
    expect(stored.spec.sandboxPolicyRef).toEqual({ name: 'hello' });
    expect(plugin('deploy', HOLD_BPMN, '-n', 'deploys').stdout).toContain('procosprocess/hold unchanged');

    const dir = tempDir('procos-deploy-');
    const changed = join(dir, 'hold.bpmn');
    writeFileSync(changed, readFileSync(HOLD_BPMN, 'utf8').replace('value="v1"', 'value="v2"'));
    expect(plugin('deploy', changed, '-n', 'deploys').stdout).toContain('procosprocess/hold configured');

    const broken = join(dir, 'broken.bpmn');
    writeFileSync(
      broken,
      readFileSync(HOLD_BPMN, 'utf8').replace('id="hold"', 'id="broken"').replace('type="hello.reply"', 'type=""'),
    );
    const bad = plugin('deploy', broken, '-n', 'deploys');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /error .*broken\.bpmn: line \d+, element 'reply': zeebe:taskDefinition type must not be empty/,
    );
    expect(bad.stderr).toContain('is not valid BPMN for the engine: nothing was deployed');
    expect(cluster.tryKubectl(['get', '-n', 'deploys', 'procosprocess', 'broken']).code).not.toBe(0);

    // A ProcOSProcess reading its BPMN from a ConfigMap keeps it there: the ConfigMap is updated.
    cluster.kubectl(['create', '-n', 'deploys', 'configmap', 'hold-bpmn', `--from-file=process.bpmn=${HOLD_BPMN}`]);
    cluster.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'procos.io/v1alpha1',
        kind: 'ProcOSProcess',
        metadata: { name: 'held', namespace: 'deploys' },
        spec: { bpmn: { configMapRef: { name: 'hold-bpmn' } } },
      }),
    );
    const viaConfigMap = plugin('deploy', changed, '-n', 'deploys', '--name', 'held');
    expect(viaConfigMap.stdout).toContain('configmap/hold-bpmn key process.bpmn updated (procosprocess/held reads it)');
    expect(
      cluster.kubectl(['get', '-n', 'deploys', 'configmap', 'hold-bpmn', '-o', 'jsonpath={.data.process\\.bpmn}']),
    ).toContain('value="v2"');
  });

  it('diff shows how local BPMN differs from the cluster’s, exit 1 on a difference as kubectl diff', () => {
    const dir = tempDir('procos-diff-');
    // procosprocess/hold holds the v2 edit of the test above.
    const v2 = join(dir, 'hold.bpmn');
    writeFileSync(v2, readFileSync(HOLD_BPMN, 'utf8').replace('value="v1"', 'value="v2"'));
    const same = plugin('diff', v2, '-n', 'deploys');
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toBe('');

    const differs = plugin('diff', HOLD_BPMN, '-n', 'deploys');
    expect(differs.code).toBe(1);
    expect(differs.stdout).toBe(
      [
        '--- deploys/procosprocess/hold (cluster)',
        `+++ ${HOLD_BPMN}`,
        '@@ -19,7 +19,7 @@',
        '       <bpmn:extensionElements>',
        '         <zeebe:taskDefinition type="hello.reply" />',
        '         <zeebe:taskHeaders>',
        '-          <zeebe:header key="style" value="v2" />',
        '+          <zeebe:header key="style" value="v1" />',
        '         </zeebe:taskHeaders>',
        '       </bpmn:extensionElements>',
        '       <bpmn:incoming>to-reply</bpmn:incoming>',
        '',
      ].join('\n'),
    );
    // A folder: its manifests and BPMN; one process the cluster does not have.
    writeFileSync(
      join(dir, 'boom.yaml'),
      `apiVersion: procos.io/v1alpha1\nkind: ProcOSProcess\nmetadata:\n  name: held\nspec:\n  bpmn:\n    inline: |\n      <changed/>\n`,
    );
    boomBpmn(dir);
    const folder = plugin('diff', dir, '-n', 'deploys');
    expect(folder.code).toBe(1);
    expect(folder.stdout).toContain('--- /dev/null (not in the cluster)\n+++ ' + join(dir, 'boom.bpmn'));
    expect(folder.stdout).toContain(`--- deploys/procosprocess/held (cluster)\n+++ ${join(dir, 'boom.yaml')} (held)`);
    expect(folder.stdout).toContain('+<changed/>');
    expect(plugin('diff', join(dir, 'nothing-here.bpmn')).code).toBe(2);
  });

  it('its krew manifest passes krew’s own validator, and krew installs a plugin that runs from the archive', async () => {
    // build.sh builds krew's validate-krew-manifest and kubectl-krew from the sigs.k8s.io/krew module (cached).
    const built = execFileSync('bash', [join(root, 'e2e/cluster/build.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const krewBin = built
      .split('\n')
      .find((l) => l.startsWith('PROCOS_KREW_BIN='))
      ?.slice('PROCOS_KREW_BIN='.length);
    if (!krewBin) throw new Error(`build.sh printed no PROCOS_KREW_BIN: ${built}`);
    const validate = join(krewBin, 'validate-krew-manifest');
    const manifest = join(root, 'plugins/krew/procos.yaml');
    const committed = await exec(validate, ['-manifest', manifest, '-skip-install'], {});
    expect(committed.code, committed.stderr).toBe(0);
    expect(committed.stderr).toContain('structural validation OK');

    // A fresh archive (make plugin-archive's script) served on loopback, and the manifest pointing at it.
    const dir = tempDir('procos-krew-');
    const copy = join(dir, 'procos.yaml');
    copyFileSync(manifest, copy);
    const archive = await exec(
      join(root, 'node_modules/.bin/tsx'),
      [join(root, 'cli/kubectl/krew-archive.ts'), '--out', dir, '--manifest', copy],
      {},
    );
    expect(archive.code, archive.stderr).toBe(0);
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.tar.gz'));
    const server = createServer((req, res) => {
      if (req.url !== `/${file ?? ''}`) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(readFileSync(join(dir, file ?? '')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      writeFileSync(
        copy,
        readFileSync(copy, 'utf8').replace(/uri: \S+/, `uri: http://127.0.0.1:${port}/${file ?? ''}`),
      );
      const path = `${krewBin}:${pluginDir}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
      const kubectlDir = process.env.E2E_KUBECONFIG ? '' : `${dirname(kubectlBin)}:`;
      // Without -skip-install the validator has krew install the archive for each platform, and checks for a LICENSE.
      const full = await exec(validate, ['-manifest', copy], { PATH: `${kubectlDir}${path}` });
      expect(full.code, full.stderr).toBe(0);
      expect(full.stderr).toContain('all 1 spec.platforms installed fine');

      // Installed by krew, the plugin runs: kubectl finds it in krew's bin folder.
      const krewRoot = tempDir('procos-krew-root-');
      const env = { KREW_ROOT: krewRoot, PATH: `${kubectlDir}${krewBin}:${dirname(process.execPath)}:/usr/bin:/bin` };
      const installed = await exec(kubectlBin, ['krew', 'install', `--manifest=${copy}`], env);
      expect(installed.code, installed.stderr).toBe(0);
      const version = await exec(kubectlBin, ['procos', 'version', '--client'], {
        ...env,
        PATH: `${join(krewRoot, 'bin')}:${env.PATH}`,
      });
      expect(version.stdout).toMatch(/^kubectl-procos \d+\.\d+\.\d+\n$/);
    } finally {
      server.close();
    }
  });

  describe('the engine commands against procos-engine on loopback (--engine-address)', () => {
    let engine: EngineProcess;
    let zbc: ZeebeGrpcClient;
    let flags: string[];

    beforeAll(async () => {
      engine = await spawnEngine({
        port: await freePort(),
        monitoringPort: await freePort(),
        dataDir: tempDir('procos-plugin-engine-'),
      });
      zbc = sdkClient(engine.grpc);
      const dir = tempDir('procos-plugin-bpmn-');
      for (const file of [HELLO_BPMN, boomBpmn(dir)])
        await zbc.deployResource({ name: file, process: readFileSync(file) });
      flags = ['-n', 'loop', '--engine-address', engine.grpc, '--monitoring-url', engine.monitoring];
      cluster.kubectl(['create', 'namespace', 'loop']);
      // A pool object (no operator runs yet): which pool serves a type comes from the cluster.
      cluster.kubectl(['apply', '-n', 'loop', '-f', join(root, 'processes/samples/workerpool.yaml')]);
    });
    afterAll(async () => {
      cluster.kubectl(['delete', '-n', 'loop', 'workerpool', 'hello']);
      await zbc.close();
      await engine.kill('SIGTERM');
    });

    it('run starts instances; backlog shows their jobs waiting and which pool serves each type', () => {
      const started = plugin('run', 'hello', '--var', 'name=Ada', ...flags);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stdout).toMatch(/^started instance \d+ of hello version 1 \(kubectl procos explain \d+\)\n$/);
      const json = JSON.parse(plugin('run', 'boom', '-o', 'json', ...flags).stdout) as { processInstanceKey: string };
      expect(json.processInstanceKey).toMatch(/^\d+$/);

      const backlog = plugin('backlog', ...flags);
      expect(backlog.code, backlog.stderr).toBe(0);
      expect(backlog.stdout).toMatch(/^JOB TYPE +WAITING +ACTIVE +OLDEST +SERVED BY$/m);
      expect(backlog.stdout).toMatch(
        /^hello\.boom +1 +0 +\d+s +\(no WorkerPool: jobs wait until one serves this type\)$/m,
      );
      expect(backlog.stdout).toMatch(/^hello\.greet +1 +0 +\d+s +hello$/m);
      expect(backlog.stdout).toMatch(/^hello\.reply +0 +0 +- +hello$/m);
      const rows = JSON.parse(plugin('backlog', '-o', 'json', ...flags).stdout) as {
        jobType: string;
        pools: string[];
      }[];
      expect(rows.find((r) => r.jobType === 'hello.greet')?.pools).toEqual(['hello']);

      const refused = plugin('run', 'no-such-process', ...flags);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^kubectl procos run: the engine refused: 5 NOT_FOUND: .*Expected to find process definition with process ID 'no-such-process'/,
      );
    });

    it('explain says where a stuck instance is and why, as procos explain does; incidents --resolve retries it', async () => {
      const started = JSON.parse(plugin('run', 'boom', '--var', 'name=Grace', '-o', 'json', ...flags).stdout) as {
        processInstanceKey: string;
      };
      await failJobOf(zbc, started.processInstanceKey, 'hello.boom', 'the SMTP server said 550: mailbox unavailable');
      const explained = await waitFor('an incident in explain', () => {
        const r = plugin('explain', started.processInstanceKey, ...flags);
        return r.stdout.includes('incident ') ? r : undefined;
      });
      expect(explained.stdout).toContain(`instance ${started.processInstanceKey} of boom version 1: ACTIVE`);
      expect(explained.stdout).toMatch(/✗ greet \(serviceTask\) running {2}job hello\.boom by e2e, failed 1×/);
      expect(explained.stdout).toContain('no pool serves this job type');
      expect(explained.stdout).toContain('last error: the SMTP server said 550: mailbox unavailable');
      expect(explained.stdout).toContain('name = "Grace"');
      expect(explained.stdout).toMatch(
        /suggested fix: the job's worker failed on every retry .* then: kubectl procos incidents --resolve \d+/,
      );

      const listed = JSON.parse(plugin('incidents', '-o', 'json', ...flags).stdout) as { key: string }[];
      expect(listed).toHaveLength(1);
      expect(plugin('incidents', ...flags).stdout).toMatch(
        /^\d+ +\d+ +greet +JOB_NO_RETRIES +the SMTP server said 550/m,
      );
      const resolved = plugin('incidents', '--resolve', listed[0]?.key ?? '', ...flags);
      expect(resolved.stdout).toContain('has 1 retry again');
      expect(plugin('incidents', ...flags).stdout).toBe('no open incidents\n');
    });

    it('says when the engine cannot be reached (exit 3) and what it tried', async () => {
      const nobody = `127.0.0.1:${await freePort()}`;
      const run = plugin('run', 'hello', '-n', 'loop', '--engine-address', nobody);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`the engine does not answer (${nobody} from --engine-address, directly)`);
      const incidents = plugin('incidents', '-n', 'loop', '--engine-address', nobody);
      expect(incidents.code).toBe(3);
      expect(incidents.stderr).toContain("this needs procos-engine's read API, and --engine-address names none");
      const gone = plugin(
        'incidents',
        '-n',
        'loop',
        '--engine-address',
        nobody,
        '--monitoring-url',
        `http://${nobody}`,
      );
      expect(gone.code).toBe(3);
      expect(gone.stderr).toContain(`the engine's read API at http://${nobody} does not answer`);
    });
  });

  // Worker pods reach the engine pod by its address on our node; an E2E_KUBECONFIG cluster's pods
  // cannot be reached from this test run.
  describe.skipIf(process.env.E2E_KUBECONFIG)(
    'with the chart installed (operator and engine in pods) and real worker pods',
    () => {
      const NS = 'pods';
      const PLANTED = 'planted-Tr0ub4dor-value';
      let helmBin: string;
      let enginePodIp: string;
      const stops: (() => Promise<void>)[] = [];
      const helm = (args: string[]): void =>
        void execFileSync(helmBin, ['--kubeconfig', cluster.kubeconfigPath, ...args], { stdio: 'pipe' });

      beforeAll(async () => {
        helmBin = join(cluster.controlPlane?.bin ?? buildBinaries(), 'helm');
        for (const image of await buildImages()) cluster.controlPlane?.node?.importImage(image.archive);
        // The chart as users install it: the operator and its bundled engine as pods on the real node.
        helm([
          'install',
          'procos',
          join(root, 'charts/procos'),
          '-n',
          'procos-system',
          '--create-namespace',
          '-f',
          join(root, 'helm/values-dev.yaml'),
          // No storage provisioner on the test cluster: the engine's log on an emptyDir.
          '--set',
          'bundledEngine.persistence.enabled=false',
          '--wait',
          '--timeout',
          '300s',
        ]);
        stops.push(() => Promise.resolve(helm(['uninstall', 'procos', '-n', 'procos-system', '--wait'])));
        enginePodIp = cluster.kubectl([
          '-n',
          'procos-system',
          'get',
          'pod',
          'procos-engine-0',
          '-o',
          'jsonpath={.status.podIP}',
        ]);
        cluster.kubectl(['create', 'namespace', NS]);
        cluster.kubectl(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
        cluster.kubectl(['apply', '-n', NS, '-f', join(root, 'processes/samples/')]);
        cluster.kubectl([
          '-n',
          NS,
          'wait',
          '--for=condition=Ready',
          'workerpool/hello',
          'procosprocess/hello',
          '--timeout=300s',
        ]);
      }, 900_000);
      afterAll(async () => {
        for (const stop of stops.reverse()) await stop();
      });

      it('get draws process → version → job types → the pool serving them, Ready with its workers', () => {
        const r = plugin('get', '-n', NS);
        expect(r.code, r.stderr).toBe(0);
        // A type's waiting count shows once the operator has read the backlog for the pool.
        expect(r.stdout).toMatch(
          new RegExp(
            [
              '^process hello \\(id hello\\)  Ready',
              '└── version 1 \\(latest\\)',
              '    ├── job type hello\\.greet( · \\d+ waiting)?',
              '    │   └── pool hello  Ready · 1/1 workers · backlog \\d+',
              '    └── job type hello\\.reply( · \\d+ waiting)?',
              '        └── pool hello  Ready · 1/1 workers · backlog \\d+',
              '$',
            ].join('\n'),
          ),
        );
        const tree = JSON.parse(plugin('get', 'hello', '-n', NS, '-o', 'json').stdout) as {
          processes: { versions: { version: number; jobTypes: { type: string; pools: { name: string }[] }[] }[] }[];
        };
        expect(tree.processes[0]?.versions[0]?.jobTypes.map((t) => [t.type, t.pools.map((p) => p.name)])).toEqual([
          ['hello.greet', ['hello']],
          ['hello.reply', ['hello']],
        ]);
      });

      it('run finds the engine from the chart’s operator Deployment and reaches its pod through a port-forward', () => {
        const r = plugin('run', 'hello', '--var', 'name=Ada', '--wait', '-n', NS, '-o', 'json');
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ version: 1, variables: { name: 'Ada', greeting: 'Hello, Ada!' } });
        // The same engine addressed directly, as --engine-address takes it: the bundled engine wants
        // its token (the chart's Secret), from the environment as for any @camunda8/sdk client.
        const direct = (env: Record<string, string>): Run =>
          kubectlRun(
            [
              'procos',
              'run',
              'hello',
              '--var',
              'name=Bo',
              '--wait',
              '-n',
              NS,
              '--engine-address',
              `${enginePodIp}:26500`,
              '--kubeconfig',
              cluster.kubeconfigPath,
            ],
            env,
          );
        const refused = direct({});
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toMatch(/UNAUTHENTICATED/i);
        const token = Buffer.from(
          cluster.kubectl([
            '-n',
            'procos-system',
            'get',
            'secret',
            'procos-engine-auth',
            '-o',
            'jsonpath={.data.token}',
          ]),
          'base64',
        ).toString();
        const bearer = direct({ CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: token });
        expect(bearer.stdout, bearer.stderr).toContain('"greeting": "Hello, Bo!"');

        // The read API through its own port-forward: an instance held at a job no pool serves.
        const boom = plugin('deploy', boomBpmn(tempDir('procos-boom-')), '-n', NS, '--policy', 'hello', '--wait');
        expect(boom.code, boom.stderr).toBe(0);
        expect(boom.stdout).toContain('procosprocess/boom: version 1 is deployed');
        expect(plugin('run', 'boom', '-n', NS).code).toBe(0);
        const backlog = plugin('backlog', '-n', NS);
        expect(backlog.code, backlog.stderr).toBe(0);
        expect(backlog.stdout).toMatch(/^hello\.boom +1 +0 +\d+s +\(no WorkerPool/m);
        expect(backlog.stdout).toMatch(/^hello\.greet +0 +0 +- +hello$/m);
        expect(plugin('get', 'boom', '-n', NS, '--instances').stdout).toMatch(/version 1 \(latest\) · 1 running/);
      });

      it('says when a Service named as the engine does not exist, or has no ready pod (exit 3)', () => {
        const missing = plugin('run', 'hello', '-n', NS, '--engine-address', 'grpc://nothing-here.pods.svc:26500');
        expect(missing.code).toBe(3);
        expect(missing.stderr).toContain(
          'the engine address grpc://nothing-here.pods.svc:26500 (from --engine-address) names Service pods/nothing-here, which does not exist in this cluster',
        );
        cluster.kubectl(
          ['apply', '-f', '-'],
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'idle', namespace: NS },
            spec: { selector: { app: 'no-such-pod' }, ports: [{ name: 'grpc', port: 26500 }] },
          }),
        );
        const idle = plugin('run', 'hello', '-n', NS, '--engine-address', 'grpc://idle.pods.svc:26500');
        expect(idle.code).toBe(3);
        expect(idle.stderr).toContain('names Service pods/idle, which has no ready pod serving port 26500');
      });

      it('logs shows the pool’s worker pods’ logs', () => {
        const r = plugin('logs', 'hello', '-n', NS);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(
          /^\d\d:\d\d:\d\d\.\d{3} info {2}serving {2}.*taskTypes=\["hello\.greet","hello\.reply"\]/m,
        );
        expect(plugin('logs', 'hello', '-n', NS, '-o', 'json').stdout).toMatch(/^\{.*"msg":"serving"/m);
        const none = plugin('logs', 'nobody', '-n', NS);
        expect(none.code).toBe(1);
        expect(none.stderr).toContain('no WorkerPool nobody in namespace pods');
      });

      it('report writes a redacted support bundle: a planted secret value appears nowhere in it', () => {
        // The value sits in a Secret the pool mounts, in the pool's env (so in the operator's
        // Deployment and the pool's ConfigMap), in a handler's config, and in an annotation.
        cluster.kubectl([
          '-n',
          NS,
          'create',
          'secret',
          'generic',
          'vault-credentials',
          `--from-literal=API_TOKEN=${PLANTED}`,
        ]);
        cluster.kubectl(
          ['apply', '-f', '-'],
          JSON.stringify({
            apiVersion: 'procos.io/v1alpha1',
            kind: 'WorkerPool',
            metadata: { name: 'vault', namespace: NS, annotations: { note: `rotate ${PLANTED} next month` } },
            spec: {
              sandboxPolicyRef: { name: 'hello' },
              taskTypes: ['hello.vault'],
              secretRefs: [{ name: 'vault-credentials' }],
              env: [{ name: 'VAULT_TOKEN', value: PLANTED }],
              handlers: [
                {
                  taskType: 'hello.vault',
                  adapter: 'format',
                  config: { template: `password: ${PLANTED}`, output: 'x' },
                },
              ],
            },
          }),
        );
        cluster.kubectl([
          '-n',
          NS,
          'wait',
          '--for=jsonpath={.status.observedGeneration}=1',
          'workerpool/vault',
          '--timeout=120s',
        ]);
        expect(cluster.kubectl(['-n', NS, 'get', 'configmap', 'vault-worker-config', '-o', 'yaml'])).toContain(PLANTED);

        const dir = tempDir('procos-report-');
        const archive = join(dir, 'bundle.tar.gz');
        const r = plugin('report', '-n', NS, '--to', archive);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^wrote ${archive}: \\d+ files`));
        execFileSync('tar', ['-xzf', archive, '-C', dir]);
        const bundle = join(dir, 'procos-report');
        const files = readdirSync(bundle, { recursive: true, encoding: 'utf8' }).filter((f) =>
          statSync(join(bundle, f)).isFile(),
        );
        expect(files).toEqual(
          expect.arrayContaining([
            'README.txt',
            'versions.yaml',
            `namespaces/${NS}/procosprocesses.yaml`,
            `namespaces/${NS}/workerpools.yaml`,
            `namespaces/${NS}/sandboxpolicies.yaml`,
            `namespaces/${NS}/deployments.yaml`,
            `namespaces/${NS}/configmaps.yaml`,
            `namespaces/${NS}/secrets.yaml`,
            `namespaces/${NS}/pods.yaml`,
            `namespaces/${NS}/events.yaml`,
            'operator/procos-system/procos/deployment.yaml',
            'operator/procos-system/procos/pods.yaml',
            'operator/procos-system/procos/lease.yaml',
          ]),
        );
        expect(files.some((f) => /^namespaces\/pods\/logs\/hello-worker-.*\.worker\.log$/.test(f))).toBe(true);
        const operatorLog = files.find((f) =>
          /^operator\/procos-system\/procos\/logs\/procos-.*\.operator\.log$/.test(f),
        );
        expect(readFileSync(join(bundle, operatorLog ?? 'no operator log'), 'utf8')).toContain('"msg":');
        const base64 = Buffer.from(PLANTED).toString('base64');
        for (const f of files) {
          const text = readFileSync(join(bundle, f), 'utf8');
          expect(text, f).not.toContain(PLANTED);
          expect(text, f).not.toContain(base64);
        }
        const secrets = readFileSync(join(bundle, `namespaces/${NS}/secrets.yaml`), 'utf8');
        expect(secrets).toContain('name: vault-credentials');
        expect(secrets).toContain(`API_TOKEN: "[redacted] (${PLANTED.length} bytes)"`);
        expect(readFileSync(join(bundle, `namespaces/${NS}/workerpools.yaml`), 'utf8')).toContain(
          'note: rotate [redacted] next month',
        );
        expect(readFileSync(join(bundle, 'versions.yaml'), 'utf8')).toMatch(/kubernetes: v1\.\d+\.\d+/);

        // The same as a folder.
        const folder = join(dir, 'as-folder');
        expect(plugin('report', '-n', NS, '--to', folder).code).toBe(0);
        expect(existsSync(join(folder, `namespaces/${NS}/workerpools.yaml`))).toBe(true);
        expect(plugin('report', '-n', NS, '--to', folder).code).toBe(2); // not empty any more
      });

      it('version names the operator the chart installed and the CRDs', () => {
        const r = plugin('version');
        expect(r.stdout).toMatch(
          /^operator procos-system\/procos \d+\.\d+\.\d+ \(chart procos-\d+\.\d+\.\d+, image procos\.local\/procos-operator:\d+\.\d+\.\d+, 1\/1 ready\)$/m,
        );
        expect(r.stdout).toContain('crd procosprocesses.procos.io: served v1alpha1; stored v1alpha1');
      });

      it('logs -f follows the worker pods until their logs end', async () => {
        const pod = cluster.kubectl([
          '-n',
          NS,
          'get',
          'pods',
          '-l',
          'procos.io/pool=hello',
          '-o',
          'jsonpath={.items[0].metadata.name}',
        ]);
        const child = spawn(
          kubectlBin,
          ['procos', 'logs', 'hello', '-f', '-n', NS, '--kubeconfig', cluster.kubeconfigPath],
          {
            env: env(),
          },
        );
        let output = '';
        child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
        const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        await waitFor('the serving line', () => (output.includes(' serving ') ? true : undefined), {
          timeoutMs: 60_000,
        });
        // The pod stops: its worker drains (new lines, followed), its log ends, and so does the command.
        cluster.kubectl(['-n', NS, 'delete', 'pod', pod, '--wait=false']);
        expect(await ended).toBe(0);
        expect(output).toMatch(/ info {2}draining {2}pool=hello signal=SIGTERM/);
        expect(output).toMatch(/ info {2}drained/);
      });
    },
  );
});
