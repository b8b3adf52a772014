// `procos run <process> --var k=v [--wait]`: start an instance of a deployed process, as
// zbctl create instance does. Values are JSON when they parse as JSON (numbers, booleans,
// objects), strings otherwise.
import { CommandError, EXIT, out, type Command } from './command.js';
import { LocalSystem, OUTPUT_FLAG, outputFormat, parseFlags, STATE_FLAG } from './local-system.js';

export function parseVars(vars: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of vars) {
    const at = v.indexOf('=');
    if (at < 1) throw new CommandError(`--var wants NAME=VALUE, got ${JSON.stringify(v)}`, EXIT.usage);
    const raw = v.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: the text itself
    }
    out[v.slice(0, at)] = value;
  }
  return out;
}

export const runCommand: Command = {
  name: 'run',
  help: `  procos run PROCESS [--var NAME=VALUE]... [--wait [--timeout SECONDS]] [-o json]
                         Start an instance of the latest version of PROCESS (its bpmnProcessId).
                         --wait waits for it to complete and prints its variables. Exit 1 when
                         the engine refuses (e.g. no such process), 3 when nothing runs.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...STATE_FLAG,
      ...OUTPUT_FLAG,
      var: { type: 'string', multiple: true, default: [] },
      wait: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60' },
    });
    const [processId, ...extra] = positionals;
    if (!processId || extra.length)
      throw new CommandError('usage: procos run PROCESS [--var NAME=VALUE]... [--wait]', EXIT.usage);
    const format = outputFormat(values.output);
    const timeout = Number(values.timeout);
    if (!(timeout > 0)) throw new CommandError('--timeout is seconds above 0', EXIT.usage);
    const variables = parseVars(values.var);
    const system = LocalSystem.find(values['state-dir']);
    try {
      if (values.wait) {
        const r = await system.zbc.createProcessInstanceWithResult({
          bpmnProcessId: processId,
          variables: variables as never,
          requestTimeout: timeout * 1000,
        });
        if (format === 'json')
          out(
            JSON.stringify(
              { processInstanceKey: r.processInstanceKey, version: r.version, variables: r.variables },
              null,
              2,
            ),
          );
        else {
          out(`instance ${r.processInstanceKey} of ${processId} version ${r.version} completed with:`);
          out(JSON.stringify(r.variables, null, 2));
        }
      } else {
        const r = await system.zbc.createProcessInstance({ bpmnProcessId: processId, variables: variables as never });
        if (format === 'json') out(JSON.stringify(r, null, 2));
        else
          out(
            `started instance ${r.processInstanceKey} of ${processId} version ${r.version} (procos explain ${r.processInstanceKey})`,
          );
      }
      return EXIT.ok;
    } catch (err) {
      throw new CommandError(`the engine refused: ${(err as Error).message}`, EXIT.failed);
    } finally {
      await system.close();
    }
  },
};
