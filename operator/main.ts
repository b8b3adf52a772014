import { main, notYet } from '../lib/cli/entry-point.js';

await main({
  name: 'procos-operator',
  help: `
The ProcOS Kubernetes operator (the microkernel).

Usage:
  procos-operator --version   Print the version.

Today this package holds the CRD API (operator/api, generated into crds/ by \`make crds\`).
The controllers arrive with the operator issue; running the operator is not possible yet.
`,
  run: notYet('procos-operator', 'the controllers are not built yet'),
});
