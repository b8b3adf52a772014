// GET /v2/topology: one broker leading one partition, as the gRPC Topology says (C6), in the
// REST API's spelling (lower-case role and health).
import { GATEWAY_VERSION } from '../server/gateway-service.js';
import type { RestContext, Route } from './route.js';

export function topologyRoutes(ctx: RestContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2/topology',
      handle: () => ({
        status: 200,
        body: {
          brokers: [
            {
              nodeId: 0,
              host: ctx.host,
              port: ctx.grpcPort(),
              partitions: [{ partitionId: 1, role: 'leader', health: 'healthy' }],
              version: GATEWAY_VERSION,
            },
          ],
          clusterSize: 1,
          partitionsCount: 1,
          replicationFactor: 1,
          gatewayVersion: GATEWAY_VERSION,
          lastCompletedChangeId: '-1',
        },
      }),
    },
  ];
}
