#!/usr/bin/env node
// Built by `npm run build` (make build) into dist/.
import '../dist/workers/main.js';
