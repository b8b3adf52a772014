// The physical ceiling: a grpc-js server on the SDK's zeebe.proto whose Topology answers at once.
import { startGrpcServer } from '../../engine/server/grpc-server.js';

const reply = { brokers: [], clusterSize: 1, partitionsCount: 1, replicationFactor: 1, gatewayVersion: '8.8.0' };
const { port } = await startGrpcServer(
  { Topology: (_call: unknown, cb: (err: null, res: object) => void) => cb(null, reply) },
  '127.0.0.1',
  Number(process.argv[2] ?? 0),
);
process.stdout.write(`${port}\n`);
