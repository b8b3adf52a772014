// Parallel gateway: forks to every outgoing flow; with several incoming flows it joins, waiting
// until each incoming flow has brought a token (one token per flow is consumed per activation).
import type { ElementBehaviour } from '../element-behaviour.js';
import { completeAtOnce } from './complete-at-once.js';

export const parallelGateway: ElementBehaviour = {
  activate: completeAtOnce.activate,
  joins: (node) => node.incoming.length > 1,
  joinReady: (_flow, scope, node) =>
    node.incoming.every((f) => (scope.waitingTokens.get(f) ?? 0) > 0) ? node.incoming : undefined,
};
