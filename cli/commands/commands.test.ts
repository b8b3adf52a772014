// The procos commands (the built binary) against a system procos up runs: real engine, real
// workers, the folder on disk.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/cli/version.js';
import { tempDir } from '../../lib/testing/temp-dir.js';
import { waitFor } from '../../lib/testing/wait-for.js';
import { startUp, stopAll, type UpHarness } from '../up/testing/up-harness.js';

const root = projectRoot();
const TESTDATA = join(root, 'cli/up/testdata');
const exec = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function procos(...args: string[]): Promise<Run> {
  if (!existsSync(join(root, 'dist/cli/procos.js'))) throw new Error('dist/ is missing: run `make build` first');
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(root, 'bin/procos.js'), ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as Run;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('procos commands against a running system', () => {
  let h: UpHarness;
  let state: string[];
  beforeAll(async () => {
    h = await startUp({ from: join(TESTDATA, 'hello') });
    state = ['--state-dir', h.stateDir];
  });
  afterAll(stopAll);

  it('status shows processes with versions and pools with workers, as text and as JSON', async () => {
    const text = await procos('status', ...state);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^hello +hello +1 +True +Deployed$/m);
    expect(text.stdout).toMatch(/^hello +1\/1 +0 +True +Available$/m);
    const json = JSON.parse((await procos('status', '-o', 'json', ...state)).stdout) as {
      processes: unknown[];
      pools: unknown[];
      incidents: number;
    };
    expect(json.processes).toEqual([expect.objectContaining({ name: 'hello', version: 1, ready: 'True' })]);
    expect(json.incidents).toBe(0);
  });

  it('run --wait prints the variables; an unknown process is exit 1 with the engine’s reason', async () => {
    const r = await procos('run', 'hello', '--var', 'name=Ada', '--wait', '-o', 'json', ...state);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ variables: { name: 'Ada', greeting: 'Hello, Ada!' } });
    const bad = await procos('run', 'no-such-process', ...state);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Expected to find process definition with process ID 'no-such-process'");
  });

  it('backlog lists each job type with the jobs waiting and the pool serving it', async () => {
    const r = await procos('backlog', ...state);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^JOB TYPE +WAITING +ACTIVE +OLDEST +SERVED BY$/m);
    expect(r.stdout).toMatch(/^hello\.greet +0 +0 +- +hello$/m);
    const rows = JSON.parse((await procos('backlog', '-o', 'json', ...state)).stdout) as { jobType: string }[];
    expect(rows.map((row) => row.jobType)).toEqual(expect.arrayContaining(['hello.greet', 'hello.reply']));
  });

  it('deploy adds a ProcOSProcess to the folder and waits until it is deployed; invalid BPMN deploys nothing', async () => {
    const ok = await procos('deploy', join(TESTDATA, 'hold.bpmn'), '--policy', 'hello', ...state);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('hold: version 1 is deployed');
    expect(readFileSync(join(h.dir, 'kustomization.yaml'), 'utf8')).toContain('  - hold.yaml');
    const broken = join(tempDir('procos-deploy-'), 'broken.bpmn');
    writeFileSync(broken, readFileSync(join(TESTDATA, 'hold.bpmn'), 'utf8').replace('type="hello.reply"', 'type=""'));
    const bad = await procos('deploy', broken, ...state);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /error .*broken\.bpmn: line \d+, element 'reply': zeebe:taskDefinition type must not be empty/,
    );
    expect(existsSync(join(h.dir, 'broken.yaml'))).toBe(false);
  });

  it('explain shows where a stuck instance is, the job’s last error, the variables and a fix; incidents --resolve retries it', async () => {
    // A job type no pool serves, failed by the test itself: the instance is stuck where explain must find it.
    const boom = join(tempDir('procos-explain-'), 'boom.bpmn');
    writeFileSync(
      boom,
      readFileSync(join(TESTDATA, 'hold.bpmn'), 'utf8')
        .replace('id="hold"', 'id="boom"')
        .replace('type="hello.reply"', 'type="hello.boom"'),
    );
    expect((await procos('deploy', boom, '--policy', 'hello', ...state)).code).toBe(0);
    const instance = await h.zbc.createProcessInstance({ bpmnProcessId: 'boom', variables: { id: 'b1' } });
    await h.zbc.publishMessage({ name: 'go', correlationKey: 'b1', variables: { greeting: 'hi' }, timeToLive: 60_000 });
    const [job] = await waitFor('the hello.boom job', async () => {
      const jobs = await h.zbc.activateJobs({
        type: 'hello.boom',
        worker: 'test',
        maxJobsToActivate: 1,
        timeout: 60_000,
        requestTimeout: 1000,
      });
      return jobs.length ? jobs : undefined;
    });
    await h.zbc.failJob({
      jobKey: job?.key ?? '',
      errorMessage: 'the SMTP server said 550: mailbox unavailable',
      retries: 0,
      retryBackOff: 0,
    });
    const explained = await waitFor('an incident in explain', async () => {
      const r = await procos('explain', instance.processInstanceKey, ...state);
      return r.stdout.includes('incident ') ? r : undefined;
    });
    expect(explained.stdout).toContain(`instance ${instance.processInstanceKey} of boom version 1: ACTIVE`);
    expect(explained.stdout).toMatch(/✗ reply \(serviceTask\) running {2}job hello.boom by test, failed 1×/);
    expect(explained.stdout).toContain('no pool serves this job type');
    expect(explained.stdout).toContain('last error: the SMTP server said 550: mailbox unavailable');
    expect(explained.stdout).toContain('greeting = "hi"');
    expect(explained.stdout).toMatch(
      /suggested fix: the job's worker failed on every retry .* then: procos incidents --resolve \d+/,
    );

    const listed = JSON.parse((await procos('incidents', '-o', 'json', ...state)).stdout) as {
      key: string;
      jobKey: string;
    }[];
    expect(listed).toHaveLength(1);
    const resolved = await procos('incidents', '--resolve', listed[0]?.key ?? '', ...state);
    expect(resolved.stdout).toContain('has 1 retry again');
    expect((await procos('incidents', ...state)).stdout).toContain('no open incidents');
  });

  it('logs lists the logs and shows a pool’s workers in human form', async () => {
    const list = await procos('logs', ...state);
    expect(list.stdout).toMatch(/^engine +\d+ bytes$/m);
    const pool = await procos('logs', 'hello', '--tail', '5', ...state);
    expect(pool.stdout).toMatch(/\d\d:\d\d:\d\d\.\d{3} info {2}serving {2}pool=hello/);
  });
});

describe('procos commands with nothing running', () => {
  it('exit 3 and say how to start the system', async () => {
    const empty = tempDir('procos-none-');
    for (const command of [['status'], ['run', 'hello'], ['incidents'], ['explain', '1'], ['backlog']]) {
      const r = await procos(...command, '--state-dir', empty);
      expect(r.code, command.join(' ')).toBe(3);
      expect(r.stderr).toContain('no procos up is running with state folder');
      expect(r.stderr).toContain('start one with `procos up`');
    }
  });

  it('exit 2 for bad usage', async () => {
    expect((await procos('explain', 'not-a-key')).code).toBe(2);
    expect((await procos('status', '-o', 'xml')).code).toBe(2);
    expect((await procos('run', 'x', '--var', 'novalue')).code).toBe(2);
  });
});
