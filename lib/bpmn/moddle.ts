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
  return (await moddle.fromXML(xml, 'bpmn:Definitions', { handler: rootHandlerWithXmlIds })) as ModdleParseResult;
}

/*
 * IDs are xsd:ID, i.e. XML NCNames, which allow letters of any script (`Größe`, `処理`), and
 * Zeebe deploys them. moddle-xml checks IDs with an ASCII-only pattern (bpmn-io/moddle-xml#55)
 * and drops such elements. Its Reader copies the options it is given onto itself, so the
 * `handler` option above replaces Reader#handler for one parse: it creates the usual root
 * handler and, when the reader hands it the parse context, swaps the context's addElement for
 * the same bookkeeping with the NCName rule of XML 1.0 (5th edition). The unicode-id tests
 * in lib/bpmn pin this; a moddle-xml upgrade that changes these internals fails them.
 */
const NAME_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040`;
const NC_NAME = `[${NAME_START}][${NAME_CHAR}]*`;
/** moddle-xml also lets a prefix through (`ns:id`); so do we, to refuse nothing it accepted. */
// The classes are the spec's code point ranges (combining marks, ZWNJ/ZWJ included), not glyphs.
// eslint-disable-next-line no-misleading-character-class
const XML_ID = new RegExp(`^(?:${NC_NAME}:)?${NC_NAME}$`, 'u');

interface ParsedElement {
  $descriptor: { idProperty?: { name: string } };
  get(name: string): unknown;
}

interface ParseContext {
  elementsById: Record<string, ParsedElement>;
  addElement(element: ParsedElement): void;
}

function rootHandlerWithXmlIds(this: object, name: string): object {
  const reader = Object.getPrototypeOf(this) as { handler(this: object, name: string): object };
  const root = reader.handler.call(this, name);
  let context: ParseContext | undefined;
  Object.defineProperty(root, 'context', {
    configurable: true,
    enumerable: true,
    get: () => context,
    set: (c: ParseContext) => {
      c.addElement = (element) => addElement(c, element);
      context = c;
    },
  });
  return root;
}

/** moddle-xml's Context#addElement, with XML's own rule for what an ID may be. */
function addElement(context: ParseContext, element: ParsedElement): void {
  const idProperty = element.$descriptor.idProperty;
  const id = idProperty ? element.get(idProperty.name) : undefined;
  if (typeof id !== 'string' || id === '') return;
  if (!XML_ID.test(id)) throw new Error(`illegal ID <${id}>`);
  if (id in context.elementsById) throw new Error(`duplicate ID <${id}>`);
  context.elementsById[id] = element;
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
