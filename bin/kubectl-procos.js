#!/usr/bin/env node
// Built by `npm run build` (make build) into dist/.
import { requireSupportedNode } from './node-version.js';

requireSupportedNode('kubectl-procos');
await import('../dist/cli/kubectl-procos.js');
