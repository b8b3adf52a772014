// `procos incidents [--resolve KEY]`: open incidents, and resolving one the way Zeebe wants it —
// a job incident needs retries again before the incident can be resolved.
import { CommandError, EXIT, out, type Command } from './command.js';
import { LocalSystem, OUTPUT_FLAG, outputFormat, parseFlags, STATE_FLAG, table } from './local-system.js';

export interface IncidentView {
  key: string;
  errorType: string;
  errorMessage: string;
  elementId: string;
  elementInstanceKey: string;
  processInstanceKey: string;
  jobKey?: string;
}

export const incidentsCommand: Command = {
  name: 'incidents',
  help: `  procos incidents [--resolve KEY [--retries N]] [-o json]
                         Open incidents: key, instance, element, type and message. --resolve
                         gives a failed job N retries again (default 1) and resolves the incident,
                         so the element runs again; fix the cause first (procos explain INSTANCE).`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...STATE_FLAG,
      ...OUTPUT_FLAG,
      resolve: { type: 'string' },
      retries: { type: 'string', default: '1' },
    });
    if (positionals.length)
      throw new CommandError(`incidents takes no arguments, got ${positionals.join(' ')}`, EXIT.usage);
    const format = outputFormat(values.output);
    const system = LocalSystem.find(values['state-dir']);
    try {
      const incidents = (await system.read('/v1/incidents')).body as IncidentView[];
      if (values.resolve) {
        const incident = incidents.find((i) => i.key === values.resolve);
        if (!incident)
          throw new CommandError(`no open incident ${values.resolve} (procos incidents lists them)`, EXIT.failed);
        const retries = Number(values.retries);
        if (!Number.isInteger(retries) || retries < 1)
          throw new CommandError('--retries is a whole number above 0', EXIT.usage);
        if (incident.jobKey) await system.zbc.updateJobRetries({ jobKey: incident.jobKey, retries });
        await system.zbc.resolveIncident({ incidentKey: incident.key });
        out(
          `resolved incident ${incident.key} at ${incident.elementId} of instance ${incident.processInstanceKey}` +
            (incident.jobKey
              ? ` (job ${incident.jobKey} has ${retries} retr${retries === 1 ? 'y' : 'ies'} again)`
              : ''),
        );
        return EXIT.ok;
      }
      if (format === 'json') out(JSON.stringify(incidents, null, 2));
      else if (!incidents.length) out('no open incidents');
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
    } finally {
      await system.close();
    }
  },
};
