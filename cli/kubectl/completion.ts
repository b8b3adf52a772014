// Shell completion. kubectl (1.26+) completes `kubectl procos …` itself by running the
// executable `kubectl_complete-procos` from PATH with the words typed after `procos` (the last
// one being completed) and reading Cobra's protocol back: one candidate a line (`value\tdescription`),
// then `:<directive>`. That executable (bin/kubectl_complete-procos) runs `kubectl-procos
// __complete …`, answered here; `kubectl procos completion bash|zsh` prints scripts that use the
// same answers for `kubectl-procos` run by its own name.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { CommandError, EXIT, out, parseFlags, type Command } from '../commands/command.js';
import { Cluster, CLUSTER_FLAGS } from './cluster.js';

/** Cobra's ShellCompDirective bits. */
export const DIRECTIVE = { default: 0, error: 1, noSpace: 2, noFileComp: 4, filterFileExt: 8, filterDirs: 16 } as const;

export interface Completion {
  candidates: string[];
  directive: number;
}

/** What completion may look up in the cluster, given the flags typed so far. */
export interface CompletionSource {
  namespaces(): Promise<string[]>;
  contexts(): Promise<string[]>;
  names(plural: 'workerpools' | 'procosprocesses' | 'sandboxpolicies'): Promise<string[]>;
}

/** Flags that take a value (the next word, or after `=`). */
const VALUE_FLAGS = new Set([
  '--kubeconfig',
  '--context',
  '--namespace',
  '-n',
  '--output',
  '-o',
  '--var',
  '--timeout',
  '--resolve',
  '--retries',
  '--name',
  '--policy',
  '--tail',
  '--to',
  '--engine-address',
  '--monitoring-url',
  '--operator-namespace',
]);
const CLUSTER_FLAG_NAMES = ['--kubeconfig', '--context', '--namespace', '-n', '--all-namespaces', '-A'];
const SHORT: Record<string, string> = {
  '-n': '--namespace',
  '-o': '--output',
  '-A': '--all-namespaces',
  '-f': '--follow',
};

/** What a command's positional arguments are. */
const POSITIONAL: Record<string, 'pool' | 'process' | 'bpmn' | 'bpmn-or-yaml' | 'shell' | 'none'> = {
  logs: 'pool',
  run: 'process',
  get: 'process',
  deploy: 'bpmn',
  diff: 'bpmn-or-yaml',
  completion: 'shell',
};

/** The flags a command's --help names (so completion offers exactly what the command takes). */
function flagsOf(command: Command): string[] {
  const named = command.help.match(/(?<![\w-])--?[a-zA-Z][\w-]*/g) ?? [];
  return [...new Set([...named.filter((f) => f.startsWith('--') || f.length === 2), ...CLUSTER_FLAG_NAMES])].sort();
}

const summary = (command: Command): string => command.summary ?? command.name;

const matching = (candidates: string[], word: string): string[] => candidates.filter((c) => c.startsWith(word));

/** The words after `kubectl procos` (the last one being completed) → candidates and a directive. */
export async function complete(words: string[], commands: Command[], source: CompletionSource): Promise<Completion> {
  const word = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const command = commands.find((c) => before.includes(c.name));
  if (!command)
    return {
      candidates: matching(
        commands.map((c) => `${c.name}\t${summary(c)}`),
        word,
      ),
      directive: DIRECTIVE.noFileComp,
    };
  const previous = before.at(-1) ?? '';
  const flagValue = VALUE_FLAGS.has(previous) ? (SHORT[previous] ?? previous) : undefined;
  if (flagValue) return valueOf(flagValue, word, source);
  if (word.startsWith('-')) return { candidates: matching(flagsOf(command), word), directive: DIRECTIVE.noFileComp };
  const positionals = before.slice(before.indexOf(command.name) + 1).filter((w, i, all) => {
    const prior = all[i - 1];
    return !w.startsWith('-') && !(prior && VALUE_FLAGS.has(prior));
  });
  const kind = POSITIONAL[command.name] ?? 'none';
  if (kind === 'bpmn') return { candidates: ['bpmn'], directive: DIRECTIVE.filterFileExt };
  if (kind === 'bpmn-or-yaml') return { candidates: ['bpmn', 'yaml', 'yml'], directive: DIRECTIVE.filterFileExt };
  if (positionals.length) return { candidates: [], directive: DIRECTIVE.noFileComp };
  const names =
    kind === 'pool'
      ? await source.names('workerpools')
      : kind === 'process'
        ? await source.names('procosprocesses')
        : kind === 'shell'
          ? ['bash', 'zsh']
          : [];
  return { candidates: matching(names, word), directive: DIRECTIVE.noFileComp };
}

async function valueOf(flag: string, word: string, source: CompletionSource): Promise<Completion> {
  switch (flag) {
    case '--namespace':
    case '--operator-namespace':
      return { candidates: matching(await source.namespaces(), word), directive: DIRECTIVE.noFileComp };
    case '--context':
      return { candidates: matching(await source.contexts(), word), directive: DIRECTIVE.noFileComp };
    case '--output':
      return { candidates: matching(['json', 'yaml', 'text'], word), directive: DIRECTIVE.noFileComp };
    case '--policy':
      return { candidates: matching(await source.names('sandboxpolicies'), word), directive: DIRECTIVE.noFileComp };
    case '--kubeconfig':
    case '--to':
      return { candidates: [], directive: DIRECTIVE.default };
    default:
      return { candidates: [], directive: DIRECTIVE.noFileComp };
  }
}

/** The value of a flag in the words typed so far (`--flag value` or `--flag=value`). */
function flagIn(words: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    for (const n of names) {
      if (w === n) return words[i + 1];
      if (w.startsWith(`${n}=`)) return w.slice(n.length + 1);
    }
  }
  return undefined;
}

/** Lookups against the cluster the typed flags name; a failure (or a slow cluster) means no candidates. */
export function clusterSource(words: string[]): CompletionSource {
  const kubeconfig = flagIn(words, '--kubeconfig');
  const flags = {
    kubeconfig,
    context: flagIn(words, '--context'),
    namespace: flagIn(words, '--namespace', '-n'),
  };
  const quietly = async (work: (c: Cluster) => Promise<string[]>): Promise<string[]> => {
    const timeout = new Promise<string[]>((resolve) => setTimeout(() => resolve([]), 5000).unref());
    const lookup = Cluster.connect(flags)
      .then(work)
      .catch(() => []);
    return Promise.race([lookup, timeout]);
  };
  return {
    namespaces: () =>
      quietly(async (c) =>
        (await c.listOf<KubeObject>('v1', 'namespaces', { namespace: null })).map((n) => n.metadata.name),
      ),
    names: (plural) =>
      quietly(async (c) =>
        (await c.list<KubeObject>(plural, { namespace: c.defaultNamespace })).map((o) => o.metadata.name),
      ),
    contexts: () => {
      try {
        const file = kubeconfig ?? process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config');
        const doc = parse(readFileSync(file, 'utf8')) as { contexts?: { name?: string }[] } | null;
        return Promise.resolve((doc?.contexts ?? []).flatMap((c) => (c.name ? [c.name] : [])));
      } catch {
        return Promise.resolve([]);
      }
    },
  };
}

/** `kubectl-procos __complete WORD…`: Cobra's protocol, for kubectl_complete-procos and the scripts below. */
export function completeCommand(commands: () => Command[]): Command {
  return {
    name: '__complete',
    help: '',
    async run(args) {
      const c = await complete(args.length ? args : [''], commands(), clusterSource(args));
      for (const candidate of c.candidates) out(candidate);
      out(`:${c.directive}`);
      return EXIT.ok;
    },
  };
}

const BASH = `# bash completion for kubectl-procos. Load it with: source <(kubectl procos completion bash)
# It completes \`kubectl-procos …\`; \`kubectl procos …\` is completed by kubectl's own completion
# through the kubectl_complete-procos executable on PATH (shipped beside kubectl-procos).
__kubectl_procos_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} out directive line
  out=$(kubectl-procos __complete "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null) || return
  directive=\${out##*$'\\n'}
  directive=\${directive#:}
  [[ $out == *$'\\n'* ]] && out=\${out%$'\\n'*} || out=
  local -a comps=()
  while IFS= read -r line; do
    [[ -n $line ]] && comps+=("\${line%%$'\\t'*}")
  done <<<"$out"
  COMPREPLY=()
  if (( directive & 8 )); then
    local ext
    for ext in "\${comps[@]}"; do
      while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -f -X "!*.$ext" -- "$cur")
    done
    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -d -- "$cur")
    compopt -o filenames 2>/dev/null
  elif (( \${#comps[@]} )); then
    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -W "\${comps[*]}" -- "$cur")
  elif (( ! (directive & 4) )); then
    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -f -- "$cur")
    compopt -o filenames 2>/dev/null
  fi
}
complete -F __kubectl_procos_complete kubectl-procos
`;

const ZSH = `#compdef kubectl-procos
# zsh completion for kubectl-procos. Load it with: source <(kubectl procos completion zsh)
# (compinit first). \`kubectl procos …\` is completed by kubectl's own completion through the
# kubectl_complete-procos executable on PATH (shipped beside kubectl-procos).
__kubectl_procos() {
  local out directive c
  local -a lines comps described
  out=$(kubectl-procos __complete "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null) || return 1
  lines=("\${(@f)out}")
  directive=\${lines[-1]#:}
  comps=("\${(@)lines[1,-2]}")
  if (( directive & 8 )); then
    _files -g "*.(\${(j:|:)comps})"
  elif (( \${#comps} )); then
    for c in "\${comps[@]}"; do
      if [[ $c == *$'\\t'* ]]; then described+=("\${\${c%%$'\\t'*}//:/\\\\:}:\${c#*$'\\t'}")
      else described+=("\${c//:/\\\\:}"); fi
    done
    _describe 'kubectl-procos' described
  elif (( ! (directive & 4) )); then
    _files
  fi
}
compdef __kubectl_procos kubectl-procos
`;

export const completionCommand: Command = {
  name: 'completion',
  summary: 'shell completion scripts (bash, zsh)',
  help: `  kubectl procos completion bash|zsh
                         A completion script for \`kubectl-procos …\` (source it from your shell's
                         rc file). \`kubectl procos …\` itself is completed by kubectl's completion
                         (1.26+) once kubectl_complete-procos (bin/, and the krew archive) is on PATH.`,
  run(args) {
    // kubectl's flags are taken (and mean nothing here), as by every command.
    const [shell, ...extra] = parseFlags(args, CLUSTER_FLAGS).positionals;
    if ((shell !== 'bash' && shell !== 'zsh') || extra.length)
      throw new CommandError('usage: kubectl procos completion bash|zsh', EXIT.usage);
    process.stdout.write(shell === 'bash' ? BASH : ZSH);
    return Promise.resolve(EXIT.ok);
  },
};
