// Engine-friendly model of a DMN decision requirements graph (DRG).
export type HitPolicy = 'UNIQUE' | 'FIRST' | 'ANY' | 'RULE ORDER' | 'COLLECT';
export type Aggregation = 'SUM' | 'MIN' | 'MAX' | 'COUNT';

export interface DecisionTable {
  kind: 'table';
  hitPolicy: HitPolicy;
  aggregation?: Aggregation;
  inputs: { id: string; label?: string; expression: string }[];
  outputs: { id: string; name: string; label?: string }[];
  rules: { id: string; index: number; inputEntries: string[]; outputEntries: string[] }[];
}

export interface LiteralExpression {
  kind: 'literal';
  expression: string;
}

export interface DecisionModel {
  id: string;
  name: string;
  requiredDecisions: string[];
  logic: DecisionTable | LiteralExpression;
}

export interface DecisionRequirementsModel {
  id: string;
  name: string;
  decisions: DecisionModel[];
}
