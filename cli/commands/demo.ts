// `procos demo`: the first hello demo (engine issue), kept as the smallest end-to-end check.
import { parseArgs } from 'node:util';
import { upDemo } from '../up-demo.js';
import { EXIT, out, type Command } from './command.js';

export const demoCommand: Command = {
  name: 'demo',
  help: `  procos demo [--name NAME] [--data-dir DIR]
                         Start procos-engine, deploy processes/hello.bpmn, serve its job types
                         with SDK workers, run one instance, print its result and stop.`,
  async run(args) {
    const { values } = parseArgs({ args, options: { name: { type: 'string' }, 'data-dir': { type: 'string' } } });
    const variables = await upDemo({
      name: values.name ?? 'World',
      dataDir: values['data-dir'] ?? '.procos/engine',
      out,
    });
    out(JSON.stringify(variables, null, 2));
    return EXIT.ok;
  },
};
