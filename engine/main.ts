import { main, notYet } from '../lib/cli/entry-point.js';

await main({
  name: 'procos-engine',
  help: `
The embedded ProcOS engine: a BPMN engine that speaks the Zeebe gateway gRPC protocol.

Usage:
  procos-engine --version   Print the version.

The engine is not built yet (engine issue).
`,
  run: notYet('procos-engine', 'the engine is not built yet'),
});
