#!/usr/bin/env node
// Built by `npm run build` (make build) into dist/.
import { requireSupportedNode } from './node-version.js';

requireSupportedNode('procos-operator');
await import('../dist/operator/main.js');
