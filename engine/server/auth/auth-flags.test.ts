// procos-engine's authentication flags as a user types them: a mode without what it needs, or a
// file it cannot use, stops the engine before it listens, naming the flag.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../lib/cli/version.js';

function runEngine(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/main.ts', '--in-memory', '--port', '0', ...args], {
    cwd: projectRoot(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`procos-engine ${args.join(' ')} was still running; output: ${out}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('procos-engine authentication flags', () => {
  it.each([
    [
      ['--auth', 'oidc', '--oidc-issuer', 'https://id.example/realms/c8'],
      {},
      '--oidc-audience: --auth oidc needs --oidc-audience',
    ],
    [['--auth', 'token'], {}, '--auth-token-file: --auth token needs --auth-token-file'],
    [['--auth-basic-file', 'users'], {}, '--auth-basic-file: --auth-basic-file is for --auth basic'],
    [['--auth', 'kerberos'], {}, '--auth: Invalid option'],
    [[], { PROCOS_ENGINE_AUTH: 'basic' }, '--auth basic needs --auth-basic-file'],
    [
      ['--auth', 'token', '--auth-token-file', '/nonexistent/tokens'],
      {},
      'cannot read the token file /nonexistent/tokens: ENOENT',
    ],
  ])('%j %j stops with "%s"', async (args, env, message) => {
    const { code, out } = await runEngine(args, env);
    expect(code).toBe(1);
    expect(out).toContain(message);
  });

  it('--help explains the modes and the SDK settings clients use', async () => {
    const { code, out } = await runEngine(['--help']);
    expect(code).toBe(0);
    for (const words of [
      '--auth MODE',
      '--oidc-issuer URL',
      '--oidc-jwks-url',
      '--auth-token-file',
      'CAMUNDA_AUTH_STRATEGY=OAUTH',
    ])
      expect(out).toContain(words);
  });
});
