// DeployResource and the deprecated DeployProcess (docs/zeebe-compatibility.md C7–C10): the
// resources to the deploy command, what it deployed as the response's metadata.
import type { Engine } from '../processor/engine.js';
import {
  deployResources,
  type DeployedDecisionMetadata,
  type DeployedDrgMetadata,
  type DeployedFormMetadata,
  type DeployedProcessMetadata,
} from '../commands/deploy.js';
import type { DecisionMetadata } from './generated/gateway_protocol/DecisionMetadata.js';
import type { DecisionRequirementsMetadata } from './generated/gateway_protocol/DecisionRequirementsMetadata.js';
import type { FormMetadata } from './generated/gateway_protocol/FormMetadata.js';
import type { ProcessMetadata } from './generated/gateway_protocol/ProcessMetadata.js';
import { checkTenant, DEFAULT_TENANT, writeInt64, type RequestOf, type ResponseOf } from './gateway-rpc.js';

export async function deployResource(
  engine: Engine,
  r: RequestOf<'DeployResource'>,
): Promise<ResponseOf<'DeployResource'>> {
  checkTenant(r.tenantId);
  const result = await deployResources(engine, r.resources);
  return {
    key: writeInt64(result.key),
    tenantId: DEFAULT_TENANT,
    // Zeebe's order (C10): processes, decisions, decision requirements, forms.
    deployments: [
      ...result.processes.map((p) => ({ process: processMetadata(p) })),
      ...result.decisions.map((d) => ({ decision: decisionMetadata(d) })),
      ...result.decisionRequirements.map((d) => ({ decisionRequirements: drgMetadata(d) })),
      ...result.forms.map((f) => ({ form: formMetadata(f) })),
    ],
  };
}

/** Deprecated since Zeebe 8 (zeebe-node 8.3 still calls it): DeployResource with BPMN only. */
export async function deployProcess(
  engine: Engine,
  r: RequestOf<'DeployProcess'>,
): Promise<ResponseOf<'DeployProcess'>> {
  const result = await deployResources(
    engine,
    r.processes.map((p) => ({ name: p.name, content: p.definition })),
  );
  return { key: writeInt64(result.key), processes: result.processes.map(processMetadata) };
}

function processMetadata(p: DeployedProcessMetadata): Required<ProcessMetadata> {
  return {
    bpmnProcessId: p.bpmnProcessId,
    version: p.version,
    processDefinitionKey: writeInt64(p.processDefinitionKey),
    resourceName: p.resourceName,
    tenantId: DEFAULT_TENANT,
  };
}

function decisionMetadata(d: DeployedDecisionMetadata): Required<DecisionMetadata> {
  return {
    dmnDecisionId: d.dmnDecisionId,
    dmnDecisionName: d.dmnDecisionName,
    version: d.version,
    decisionKey: writeInt64(d.decisionKey),
    dmnDecisionRequirementsId: d.dmnDecisionRequirementsId,
    decisionRequirementsKey: writeInt64(d.decisionRequirementsKey),
    tenantId: DEFAULT_TENANT,
  };
}

function drgMetadata(d: DeployedDrgMetadata): Required<DecisionRequirementsMetadata> {
  return {
    dmnDecisionRequirementsId: d.dmnDecisionRequirementsId,
    dmnDecisionRequirementsName: d.dmnDecisionRequirementsName,
    version: d.version,
    decisionRequirementsKey: writeInt64(d.decisionRequirementsKey),
    resourceName: d.resourceName,
    tenantId: DEFAULT_TENANT,
  };
}

function formMetadata(f: DeployedFormMetadata): Required<FormMetadata> {
  return {
    formId: f.formId,
    version: f.version,
    formKey: writeInt64(f.formKey),
    resourceName: f.resourceName,
    tenantId: DEFAULT_TENANT,
  };
}
