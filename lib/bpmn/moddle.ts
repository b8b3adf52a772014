// bpmn-moddle with the Zeebe extension, and the few shapes of its tree we read.
import { createRequire } from 'node:module';
import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const zeebeSchema = require('zeebe-bpmn-moddle/resources/zeebe.json') as object;

/** A node of moddle's tree; properties are read through the helpers below. */
export interface ModdleElement {
  $type: string;
  id?: string;
  name?: string;
  [key: string]: unknown;
}

export interface ModdleParseResult {
  rootElement: ModdleElement;
  warnings: { message: string; element?: ModdleElement }[];
}

let moddle: BpmnModdle | undefined;

export async function parseXml(xml: string): Promise<ModdleParseResult> {
  moddle ??= new BpmnModdle({ zeebe: zeebeSchema });
  return (await moddle.fromXML(xml, 'bpmn:Definitions')) as ModdleParseResult;
}

export function children(el: ModdleElement | undefined, key: string): ModdleElement[] {
  const v = el?.[key];
  return Array.isArray(v) ? (v as ModdleElement[]) : [];
}

export function child(el: ModdleElement | undefined, key: string): ModdleElement | undefined {
  const v = el?.[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as ModdleElement) : undefined;
}

export function str(el: ModdleElement | undefined, key: string): string | undefined {
  const v = el?.[key];
  return typeof v === 'string' ? v : undefined;
}

export function extension(el: ModdleElement, type: string): ModdleElement | undefined {
  return children(child(el, 'extensionElements'), 'values').find((v) => v.$type === type);
}
