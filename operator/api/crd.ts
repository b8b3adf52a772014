// Builds apiextensions.k8s.io/v1 CustomResourceDefinitions from the zod schemas.
import { CATEGORY, GROUP, VERSION, type KindDefinition } from './kinds.js';
import { toStructuralSchema, type JsonSchema } from './structural-schema.js';

export function crdName(def: KindDefinition): string {
  return `${def.plural}.${GROUP}`;
}

export function openApiSchema(def: KindDefinition): JsonSchema {
  return {
    type: 'object',
    description: def.description,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this object: procos.io/v1alpha1.' },
      kind: { type: 'string', description: `Kind of this object: ${def.kind}.` },
      metadata: { type: 'object' },
      spec: toStructuralSchema(def.spec),
      status: toStructuralSchema(def.status),
    },
    required: ['spec'],
  };
}

export function buildCrd(def: KindDefinition): JsonSchema {
  const subresources: JsonSchema = { status: {} };
  if (def.scale) subresources.scale = { ...def.scale };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(def),
      labels: { 'app.kubernetes.io/name': 'procos', 'app.kubernetes.io/part-of': 'procos' },
      // Deleting a CRD deletes every object of its kind: Helm (which never deletes crds/ anyway)
      // and Argo CD (which would, on a cascading delete of its Application) must keep them.
      annotations: { 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Delete=false' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openApiSchema(def) },
          subresources,
          additionalPrinterColumns: def.printerColumns,
        },
      ],
    },
  };
}
