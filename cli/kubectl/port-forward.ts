// `kubectl port-forward` inside the plugin: a listener on 127.0.0.1 whose every connection is
// a port-forward stream to a pod's port through the apiserver (client-node's PortForward, over a
// WebSocket), for as long as the command runs. Each TCP connection gets its own stream, as with
// kubectl, so the SDK's gRPC channel and fetch's pooled connections both work.
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeConnection } from '../../operator/runtime/kube-config.js';

interface ClosableSocket {
  close(): void;
  on(event: 'close', listener: () => void): unknown;
}

/**
 * client-node's WebSocket handler asks its KubeConfig for exactly two things: the server, and
 * the TLS material and headers of a request. Our connection has both (including exec plugins'
 * tokens), so it stands in for the KubeConfig the operator's client never loads.
 */
function configOf(connection: KubeConnection): KubeConfig {
  const config = {
    getCurrentCluster: () => ({ name: 'current', server: connection.server, skipTLSVerify: false }),
    applyToHTTPSOptions: async (opts: Record<string, unknown>) => {
      Object.assign(opts, connection.tls);
      opts.headers = { ...(opts.headers as Record<string, string> | undefined), ...(await connection.headers()) };
    },
  };
  return config as unknown as KubeConfig;
}

export class PodPortForward {
  /** The last error the apiserver or the kubelet reported on a stream. */
  lastError: string | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Set<ClosableSocket>();

  private constructor(
    private readonly server: Server,
    readonly localPort: number,
    /** `namespace/pod:port`, for messages. */
    readonly target: string,
  ) {}

  /**
   * Listens on a free loopback port and checks once that the apiserver lets us forward to the
   * pod (RBAC pods/portforward, a running pod), so a refusal is said at once and plainly.
   */
  static async open(connection: KubeConnection, namespace: string, pod: string, port: number): Promise<PodPortForward> {
    const { PortForward } = await import('@kubernetes/client-node');
    const forwarder = new PortForward(configOf(connection), true);
    const connect = async (output: Writable, errors: Writable, input: Readable): Promise<ClosableSocket> =>
      (await forwarder.portForward(namespace, pod, [port], output, errors, input)) as ClosableSocket;

    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const pf = new PodPortForward(
      server,
      typeof address === 'object' && address ? address.port : 0,
      `${namespace}/${pod}:${port}`,
    );
    server.on('connection', (socket) => void pf.forward(socket, connect));
    try {
      const sink = new PassThrough().resume();
      const probe = await connect(
        sink,
        pf.errorSink(() => undefined),
        new PassThrough(),
      );
      probe.close();
    } catch (err) {
      await pf.close();
      throw new Error(`cannot port-forward to pod ${pf.target}: ${describe(err)}`);
    }
    return pf;
  }

  private errorSink(onError: () => void): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        const text = chunk.toString('utf8').trim();
        if (text) {
          this.lastError = text;
          onError();
        }
        done();
      },
    });
  }

  private async forward(
    socket: Socket,
    connect: (output: Writable, errors: Writable, input: Readable) => Promise<ClosableSocket>,
  ): Promise<void> {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    try {
      const stream = await connect(
        socket,
        this.errorSink(() => socket.destroy()),
        socket,
      );
      this.streams.add(stream);
      // Either side ending ends the other: the pod closing its port, or our client hanging up.
      stream.on('close', () => {
        this.streams.delete(stream);
        socket.end();
      });
      socket.once('close', () => stream.close());
    } catch (err) {
      this.lastError = describe(err);
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.close();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  // ws reports a failed upgrade as an ErrorEvent, whose message says the HTTP status.
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
