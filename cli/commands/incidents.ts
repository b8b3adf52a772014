// `incidents [--resolve KEY]`: open incidents, and resolving one the way Zeebe wants it — a job
// incident needs retries again before the incident can be resolved.
import { CommandError, EXIT, out, type Command } from './command.js';
import { engineCallError, parseEngineFlags, withEngine, type EngineHost } from './engine-connection.js';
import { OUTPUT_FLAG, outputFormat, printData, table } from './output.js';

export interface IncidentView {
  key: string;
  errorType: string;
  errorMessage: string;
  elementId: string;
  elementInstanceKey: string;
  processInstanceKey: string;
  jobKey?: string;
}

export function incidentsCommandFor(host: EngineHost): Command {
  const program = host.hints.program;
  return {
    name: 'incidents',
    summary: 'list open incidents, or resolve one',
    help: `  ${program} incidents [--resolve KEY [--retries N]] [-o json|yaml] ${host.flagsUsage}
                         Open incidents: key, instance, element, type and message. --resolve
                         gives a failed job N retries again (default 1) and resolves the incident,
                         so the element runs again; fix the cause first (${program} explain INSTANCE).`,
    async run(args) {
      const { values, hostFlags, positionals } = parseEngineFlags(host, args, {
        ...OUTPUT_FLAG,
        resolve: { type: 'string' },
        retries: { type: 'string', default: '1' },
      });
      if (positionals.length)
        throw new CommandError(`incidents takes no arguments, got ${positionals.join(' ')}`, EXIT.usage);
      const format = outputFormat(values.output);
      const retries = Number(values.retries);
      if (!Number.isInteger(retries) || retries < 1)
        throw new CommandError('--retries is a whole number above 0', EXIT.usage);
      return withEngine(host, hostFlags, async (engine) => {
        const incidents = (await engine.read('/v1/incidents')).body as IncidentView[];
        if (values.resolve) {
          const incident = incidents.find((i) => i.key === values.resolve);
          if (!incident)
            throw new CommandError(`no open incident ${values.resolve} (${program} incidents lists them)`, EXIT.failed);
          try {
            const zbc = await engine.client();
            if (incident.jobKey) await zbc.updateJobRetries({ jobKey: incident.jobKey, retries });
            await zbc.resolveIncident({ incidentKey: incident.key });
          } catch (err) {
            throw engineCallError(err, engine);
          }
          out(
            `resolved incident ${incident.key} at ${incident.elementId} of instance ${incident.processInstanceKey}` +
              (incident.jobKey
                ? ` (job ${incident.jobKey} has ${retries} retr${retries === 1 ? 'y' : 'ies'} again)`
                : ''),
          );
          return EXIT.ok;
        }
        if (printData(format, incidents)) return EXIT.ok;
        if (!incidents.length) out('no open incidents');
        else
          for (const line of table([
            ['KEY', 'INSTANCE', 'ELEMENT', 'TYPE', 'MESSAGE'],
            ...incidents.map((i) => [
              i.key,
              i.processInstanceKey,
              i.elementId,
              i.errorType,
              i.errorMessage.slice(0, 120),
            ]),
          ]))
            out(line);
        return EXIT.ok;
      });
    },
  };
}
