// EngineClient over the Zeebe gateway protocol with @camunda8/sdk. The connection comes from
// the SDK's own environment (ZEEBE_GRPC_ADDRESS, CAMUNDA_AUTH_STRATEGY, ZEEBE_CLIENT_ID/SECRET,
// CAMUNDA_OAUTH_URL, …), so Camunda 8 self-managed, SaaS and procos-engine all work.
// Only the SDK's Zeebe gRPC client is imported: the whole Camunda8 facade (REST clients for
// Operate, Tasklist, Optimize, …) costs the operator ~13 MB RSS more and is never used here.
import { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import { classifyEngineError, type DeployedDefinition, type EngineClient } from './engine-client.js';

export class ZeebeEngineClient implements EngineClient {
  private readonly zbc: ZeebeGrpcClient;

  /** `config`: SDK settings that win over the environment (the SDK reads it when first imported). */
  constructor(config: Record<string, string> = {}) {
    // No client-side retries: the reconciler's backoff decides when to try again, and a down
    // engine must surface as a condition, not as a call that never returns.
    this.zbc = new ZeebeGrpcClient({
      config: {
        ...config,
        zeebeGrpcSettings: { ZEEBE_GRPC_CLIENT_RETRY: false, ZEEBE_CLIENT_LOG_LEVEL: 'NONE' },
      } as never,
    });
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyEngineError(err);
    }
  }

  deploy(resourceName: string, xml: string): Promise<DeployedDefinition[]> {
    return this.call(async () => {
      const r = await this.zbc.deployResource({ name: resourceName, process: Buffer.from(xml) });
      // A deployment entry is a oneof: decisions and forms carry no `process`.
      return r.deployments.flatMap((d) => {
        const p = (d as { process?: DeployedDefinition }).process;
        return p
          ? [{ bpmnProcessId: p.bpmnProcessId, version: p.version, processDefinitionKey: p.processDefinitionKey }]
          : [];
      });
    });
  }

  createInstance(bpmnProcessId: string, version: number, variables: Record<string, unknown>): Promise<string> {
    return this.call(
      async () =>
        (await this.zbc.createProcessInstance({ bpmnProcessId, version, variables: variables as never }))
          .processInstanceKey,
    );
  }

  deleteResource(key: string): Promise<void> {
    return this.call(async () => {
      await this.zbc.deleteResource({ resourceKey: key });
    });
  }

  async close(): Promise<void> {
    await this.zbc.close(2000);
  }
}
