import { describe, expect, it } from 'vitest';
import type { Command } from '../commands/command.js';
import { complete, DIRECTIVE, type CompletionSource } from './completion.js';

const command = (name: string, help: string, summary?: string): Command => ({
  name,
  help: `  kubectl procos ${name} ${help}\n                         What it does.`,
  summary,
  run: () => Promise.resolve(0),
});
const commands = [
  command('logs', 'POOL [-n NS] [--tail N] [-f] [-o json]', "a pool's worker logs"),
  command('run', 'PROCESS [--var NAME=VALUE]... [--wait]', 'start an instance'),
  command('deploy', 'FILE.bpmn [--policy POLICY]'),
  command('completion', 'bash|zsh'),
];
const source: CompletionSource = {
  namespaces: () => Promise.resolve(['default', 'team-a', 'team-b']),
  contexts: () => Promise.resolve(['dev', 'prod']),
  names: (plural) =>
    Promise.resolve(
      { workerpools: ['hello', 'mailers'], procosprocesses: ['hello', 'boot'], sandboxpolicies: ['strict'] }[plural],
    ),
};

describe('completion (Cobra’s protocol, as kubectl asks kubectl_complete-procos)', () => {
  it('offers the commands with what they do', async () => {
    expect(await complete([''], commands, source)).toEqual({
      candidates: ["logs\ta pool's worker logs", 'run\tstart an instance', 'deploy\tdeploy', 'completion\tcompletion'],
      directive: DIRECTIVE.noFileComp,
    });
    expect((await complete(['lo'], commands, source)).candidates).toEqual(["logs\ta pool's worker logs"]);
  });

  it('offers pools, processes, namespaces, contexts and formats from the cluster where they go', async () => {
    expect(await complete(['logs', ''], commands, source)).toEqual({ candidates: ['hello', 'mailers'], directive: 4 });
    expect((await complete(['run', 'b'], commands, source)).candidates).toEqual(['boot']);
    expect((await complete(['logs', '-n', 't'], commands, source)).candidates).toEqual(['team-a', 'team-b']);
    expect((await complete(['logs', '--context', ''], commands, source)).candidates).toEqual(['dev', 'prod']);
    expect((await complete(['logs', 'hello', '-o', ''], commands, source)).candidates).toEqual([
      'json',
      'yaml',
      'text',
    ]);
    expect((await complete(['deploy', 'x.bpmn', '--policy', ''], commands, source)).candidates).toEqual(['strict']);
    expect((await complete(['completion', ''], commands, source)).candidates).toEqual(['bash', 'zsh']);
    // Only one pool per logs: nothing after it.
    expect(await complete(['logs', 'hello', ''], commands, source)).toEqual({ candidates: [], directive: 4 });
  });

  it('offers the flags a command’s help names, and .bpmn files to deploy', async () => {
    expect((await complete(['logs', '--'], commands, source)).candidates).toEqual([
      '--all-namespaces',
      '--context',
      '--kubeconfig',
      '--namespace',
      '--tail',
    ]);
    expect(await complete(['deploy', ''], commands, source)).toEqual({
      candidates: ['bpmn'],
      directive: DIRECTIVE.filterFileExt,
    });
  });
});
