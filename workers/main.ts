import { main, notYet } from '../lib/cli/entry-point.js';

await main({
  name: 'procos-worker',
  help: `
The generic ProcOS job worker (adapters: http, python, smtp, ai, validate, format, compute).

Usage:
  procos-worker --version   Print the version.

The worker runtime and its adapters are not built yet.
`,
  run: notYet('procos-worker', 'the worker runtime is not built yet'),
});
