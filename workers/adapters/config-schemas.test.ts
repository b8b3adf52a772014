import { describe, expect, it } from 'vitest';
import { ADAPTER_CONFIG_SCHEMAS } from './config-schemas.js';
import { ADAPTERS_BUILT } from './index.js';

describe('ADAPTER_CONFIG_SCHEMAS', () => {
  it('names every built adapter, each with the schema the worker binds', async () => {
    expect(Object.keys(ADAPTER_CONFIG_SCHEMAS).sort()).toEqual([...ADAPTERS_BUILT.keys()].sort());
    for (const [name, load] of Object.entries(ADAPTER_CONFIG_SCHEMAS))
      expect(await load()).toBe(ADAPTERS_BUILT.get(name)?.configSchema);
  });
});
