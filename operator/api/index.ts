export * from './meta.js';
export * from './cel-rules.js';
export * from './procos-process.js';
export * from './worker-pool.js';
export * from './sandbox-policy.js';
export { KINDS, type KindDefinition } from './kinds.js';
export { parseManifest, formatIssues, type Manifest } from './manifest.js';
