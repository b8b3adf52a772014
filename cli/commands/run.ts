// `run <process> --var k=v [--wait]`: start an instance of a deployed process, as zbctl create
// instance does, on whichever engine the host connects to. Values are JSON when they parse as
// JSON (numbers, booleans, objects), strings otherwise.
import { CommandError, EXIT, out, type Command } from './command.js';
import { engineCallError, parseEngineFlags, withEngine, type EngineHost } from './engine-connection.js';
import { OUTPUT_FLAG, outputFormat, printData } from './output.js';

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

export function runCommandFor(host: EngineHost): Command {
  const program = host.hints.program;
  return {
    name: 'run',
    summary: 'start an instance of a process',
    help: `  ${program} run PROCESS [--var NAME=VALUE]... [--wait [--timeout SECONDS]] [-o json|yaml] ${host.flagsUsage}
                         Start an instance of the latest version of PROCESS (its bpmnProcessId,
                         or the name of its ProcOSProcess). --wait waits for it to complete and
                         prints its variables. Exit 1 when the engine refuses (e.g. no such
                         process), 3 when ${host.unreachable}.`,
    async run(args) {
      const { values, hostFlags, positionals } = parseEngineFlags(host, args, {
        ...OUTPUT_FLAG,
        var: { type: 'string', multiple: true, default: [] },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '60' },
      });
      const [name, ...extra] = positionals;
      if (!name || extra.length)
        throw new CommandError(`usage: ${program} run PROCESS [--var NAME=VALUE]... [--wait]`, EXIT.usage);
      const format = outputFormat(values.output);
      const timeout = Number(values.timeout);
      if (!(timeout > 0)) throw new CommandError('--timeout is seconds above 0', EXIT.usage);
      const variables = parseVars(values.var);
      return withEngine(host, hostFlags, async (engine) => {
        const processId = await engine.processId(name);
        try {
          const zbc = await engine.client();
          if (values.wait) {
            const r = await zbc.createProcessInstanceWithResult({
              bpmnProcessId: processId,
              variables: variables as never,
              requestTimeout: timeout * 1000,
            });
            const result = { processInstanceKey: r.processInstanceKey, version: r.version, variables: r.variables };
            if (!printData(format, result)) {
              out(`instance ${r.processInstanceKey} of ${processId} version ${r.version} completed with:`);
              out(JSON.stringify(r.variables, null, 2));
            }
          } else {
            const r = await zbc.createProcessInstance({ bpmnProcessId: processId, variables: variables as never });
            if (!printData(format, r))
              out(
                `started instance ${r.processInstanceKey} of ${processId} version ${r.version} (${program} explain ${r.processInstanceKey})`,
              );
          }
          return EXIT.ok;
        } catch (err) {
          throw engineCallError(err, engine);
        }
      });
    },
  };
}
