import { main, notYet } from '../lib/cli/entry-point.js';

await main({
  name: 'kubectl-procos',
  help: `
The kubectl plugin for ProcOS (run as \`kubectl procos ...\`).

Usage:
  kubectl procos --version   Print the version.

No cluster commands exist yet: status, deploy, incidents and logs arrive with the operator
and plugin issues.
`,
  run: notYet('kubectl-procos', 'no cluster commands exist yet'),
});
