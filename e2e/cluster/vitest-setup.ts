// Every e2e test starts and ends on a control plane whose components are all alive and serving
// (issue 8): a component that dies mid-test fails that test, naming it and its log's tail.
import { afterEach, beforeEach } from 'vitest';
import { activeClusters } from './test-cluster.js';

async function assertAllServing(): Promise<void> {
  for (const cluster of activeClusters) await cluster.assertServing();
}

beforeEach(assertAllServing);
afterEach(assertAllServing);
