#!/usr/bin/env node
// Built by `npm run build` (make build) into dist/.
import '../dist/cli/procos.js';
