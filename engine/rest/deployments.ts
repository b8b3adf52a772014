// POST /v2/deployments: multipart/form-data with one `resources` part per file (what Desktop
// Modeler, the SDK's REST client and curl -F send) and an optional `tenantId`. Parsed with
// @fastify/busboy (the maintained busboy, which undici used for this): Node's own
// Request.formData() is marked not meant for server-side multipart. The body is read whole,
// up to --max-message-size, first: the engine needs each resource whole anyway.
import { Busboy } from '@fastify/busboy';
import { deployResources, type ResourceInput } from '../commands/deploy.js';
import { badRequest } from './problems.js';
import { DEFAULT_TENANT, checkTenant, type RestContext, type RestRequest, type Route } from './route.js';

/** More parts than this is no deployment anyone makes by hand or with a modeler. */
const MAX_PARTS = 1000;

async function resourcesOf(req: RestRequest): Promise<{ resources: ResourceInput[]; tenantId?: string }> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type))
    throw badRequest(`Expected a multipart/form-data body with 'resources' parts, but the content type is '${type}'`);
  const body = await req.body();
  const resources: ResourceInput[] = [];
  const fields = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string): void => reject(badRequest(`Expected a readable multipart/form-data body, but ${why}`));
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({ headers: { ...req.headers, 'content-type': type }, limits: { parts: MAX_PARTS } });
    } catch (err) {
      return fail((err as Error).message);
    }
    parser.on('file', (field, stream, filename) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (field === 'resources') resources.push({ name: filename, content: Buffer.concat(chunks) });
      });
    });
    parser.on('field', (field, value) => fields.set(field, value));
    parser.on('partsLimit', () => fail(`it has more than ${MAX_PARTS} parts`));
    parser.on('error', (err) => fail(err instanceof Error ? err.message : String(err)));
    parser.on('finish', resolve);
    parser.end(body);
  });
  if (!resources.length) throw badRequest("Expected at least one 'resources' part, but there was none");
  return { resources, tenantId: fields.get('tenantId') };
}

export function deploymentRoutes(ctx: RestContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2/deployments',
      async handle(req) {
        const { resources, tenantId } = await resourcesOf(req);
        checkTenant(tenantId);
        const r = await deployResources(ctx.engine, resources);
        const tenant = { tenantId: DEFAULT_TENANT };
        // The order of the gRPC answer (C10): processes, decisions, decision requirements, forms.
        return {
          status: 200,
          body: {
            deploymentKey: String(r.key),
            tenantId: DEFAULT_TENANT,
            deployments: [
              ...r.processes.map((p) => ({
                processDefinition: {
                  processDefinitionId: p.bpmnProcessId,
                  processDefinitionVersion: p.version,
                  resourceName: p.resourceName,
                  ...tenant,
                  processDefinitionKey: String(p.processDefinitionKey),
                },
              })),
              ...r.decisions.map((d) => ({
                decisionDefinition: {
                  decisionDefinitionId: d.dmnDecisionId,
                  version: d.version,
                  name: d.dmnDecisionName,
                  ...tenant,
                  decisionRequirementsId: d.dmnDecisionRequirementsId,
                  decisionDefinitionKey: String(d.decisionKey),
                  decisionRequirementsKey: String(d.decisionRequirementsKey),
                },
              })),
              ...r.decisionRequirements.map((d) => ({
                decisionRequirements: {
                  decisionRequirementsId: d.dmnDecisionRequirementsId,
                  version: d.version,
                  decisionRequirementsName: d.dmnDecisionRequirementsName,
                  ...tenant,
                  resourceName: d.resourceName,
                  decisionRequirementsKey: String(d.decisionRequirementsKey),
                },
              })),
              ...r.forms.map((f) => ({
                form: {
                  formId: f.formId,
                  version: f.version,
                  resourceName: f.resourceName,
                  ...tenant,
                  formKey: String(f.formKey),
                },
              })),
            ],
          },
        };
      },
    },
  ];
}
