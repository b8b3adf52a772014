// Gives a BPMN document a diagram (BPMNDI) when it lacks one, so Camunda Modeler opens it laid
// out instead of blank. bpmn-auto-layout computes the layout; only its <bpmndi:BPMNDiagram>
// elements are spliced into the original text, so the process, its zeebe: extensions, comments
// and formatting stay byte for byte as written (bpmn-auto-layout's own output is a round trip
// through a moddle without the zeebe schema: it drops comments and rewrites every line).
import { createRequire } from 'node:module';
import { children, child, parseXml, type ModdleElement } from './moddle.js';
import { linkSequenceFlows } from './sequence-flow-links.js';

const BPMNDI_NS = 'http://www.omg.org/spec/BPMN/20100524/DI';

/** Ids of the flow nodes without a BPMNShape and the sequence flows without a BPMNEdge, in document order. */
export async function diagramGaps(xml: string): Promise<string[]> {
  return gapsIn((await parseXml(xml)).rootElement);
}

/**
 * `xml` with a diagram laid out by bpmn-auto-layout if some flow node or sequence flow has no
 * shape or edge, else `xml` itself. An incomplete diagram is replaced as a whole: the layout
 * starts from scratch. Throws when the result would still have gaps (bpmn-auto-layout lays out
 * only the first process of a collaboration), rather than write half a diagram.
 */
export async function withDiagram(xml: string): Promise<string> {
  const { rootElement: definitions } = await parseXml(xml);
  if (gapsIn(definitions).length === 0) return xml;
  const diagrams = diagramElements(await autoLayout(definitions));
  const result = spliceDiagrams(xml, diagrams);
  const { rootElement: check } = await parseXml(result);
  const gaps = gapsIn(check);
  if (gaps.length > 0) {
    throw new Error(
      `bpmn-auto-layout placed no shape or edge for ${gaps.map((id) => `'${id}'`).join(', ')} (it lays out the first process of a collaboration only, and skips elements whose ids are not ASCII)`,
    );
  }
  if (children(check, 'diagrams').length !== diagrams.blocks.length) {
    throw new Error(
      'the document keeps a BPMNDiagram that could not be replaced (is its namespace declared on the root?)',
    );
  }
  return result;
}

interface ModdleObject extends ModdleElement {
  $instanceOf(type: string): boolean;
}

const isA = (el: unknown, type: string): el is ModdleObject =>
  typeof el === 'object' && el !== null && (el as Partial<ModdleObject>).$instanceOf?.(type) === true;

function gapsIn(definitions: ModdleElement): string[] {
  const drawn = new Set<string>();
  for (const diagram of children(definitions, 'diagrams')) {
    for (const di of children(child(diagram, 'plane'), 'planeElement')) {
      const element = child(di, 'bpmnElement');
      if (element?.id) drawn.add(`${di.$type} ${element.id}`);
    }
  }
  const gaps: string[] = [];
  const visit = (scope: ModdleElement): void => {
    for (const el of children(scope, 'flowElements')) {
      const needs = isA(el, 'bpmn:SequenceFlow')
        ? 'bpmndi:BPMNEdge'
        : isA(el, 'bpmn:FlowNode')
          ? 'bpmndi:BPMNShape'
          : '';
      if (needs && el.id && !drawn.has(`${needs} ${el.id}`)) gaps.push(el.id);
      visit(el);
    }
  };
  children(definitions, 'rootElements').forEach(visit);
  return gaps;
}

interface Serializer {
  toXML(element: ModdleElement, options: { format: boolean }): Promise<{ xml: string }>;
}

const require = createRequire(import.meta.url);
/** Loaded on first use: lib/bpmn's other users never lay out. */
let layoutProcess: ((xml: string) => Promise<string>) | undefined;

/**
 * bpmn-auto-layout's output for the parsed definitions. They are serialized again first, with
 * each flow node's incoming/outgoing filled in: the layouter follows only those, and a model
 * without them would come out as a column of shapes without edges.
 */
async function autoLayout(definitions: ModdleElement): Promise<string> {
  linkSequenceFlows(definitions);
  const { xml } = await (definitions.$model as Serializer).toXML(definitions, { format: true });
  layoutProcess ??= (require('bpmn-auto-layout') as { layoutProcess: (xml: string) => Promise<string> }).layoutProcess;
  return layoutProcess(xml);
}

interface StartTag {
  name: string;
  /** Offset just past the tag name. */
  nameEnd: number;
  attrs: { name: string; value: string; leading: string; end: number }[];
}

/** The root element's start tag, read with the few rules it needs (no parser gives offsets). */
function rootStartTag(xml: string): StartTag {
  const markup = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<([A-Za-z_][\w.:-]*)/g;
  for (let m = markup.exec(xml); m; m = markup.exec(xml)) {
    const name = m[1];
    if (name === undefined) continue;
    const nameEnd = m.index + m[0].length;
    const attr = /(\s+)([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
    attr.lastIndex = nameEnd;
    const attrs: StartTag['attrs'] = [];
    for (let a = attr.exec(xml); a; a = attr.exec(xml)) {
      attrs.push({ leading: a[1] ?? ' ', name: a[2] ?? '', value: a[3] ?? a[4] ?? '', end: attr.lastIndex });
    }
    return { name, nameEnd, attrs };
  }
  throw new Error('the document has no root element');
}

const namespaces = (tag: StartTag): Map<string, string> =>
  new Map(tag.attrs.filter((a) => a.name.startsWith('xmlns:')).map((a) => [a.name.slice('xmlns:'.length), a.value]));

const prefixesOf = (tag: StartTag, uri: string): string[] =>
  [...namespaces(tag)].filter(([, u]) => u === uri).map(([prefix]) => prefix);

/** An XML name as a regular expression: of its characters only `.` means something there. */
const literal = (name: string): string => name.replaceAll('.', '\\.');

interface DiagramElements {
  blocks: string[];
  /** prefix → namespace URI */
  needs: Map<string, string>;
}

/** The BPMNDiagram elements of moddle-written XML, and the namespaces they use. */
function diagramElements(laidOut: string): DiagramElements {
  const root = rootStartTag(laidOut);
  const declared = namespaces(root);
  const blocks = prefixesOf(root, BPMNDI_NS).flatMap((prefix) => {
    const p = literal(prefix);
    return [...laidOut.matchAll(new RegExp(`^[ \\t]*<${p}:BPMNDiagram\\b[\\s\\S]*?</${p}:BPMNDiagram>`, 'gm'))].map(
      (m) => m[0],
    );
  });
  const needs = new Map<string, string>();
  for (const block of blocks) {
    for (const [, prefix = ''] of block.matchAll(/<\/?([A-Za-z_][\w.-]*):/g)) {
      const uri = declared.get(prefix);
      if (uri === undefined) throw new Error(`bpmn-auto-layout's output uses the undeclared prefix '${prefix}'`);
      needs.set(prefix, uri);
    }
  }
  return { blocks, needs };
}

/** `original` without its BPMNDiagram elements, with `blocks` before its end tag. */
function spliceDiagrams(original: string, { blocks, needs }: DiagramElements): string {
  let xml = original;
  for (const p of prefixesOf(rootStartTag(xml), BPMNDI_NS).map(literal)) {
    xml = xml.replace(
      new RegExp(`(?:\\r?\\n[ \\t]*)?<${p}:BPMNDiagram\\b(?:[^>]*/>|[\\s\\S]*?</${p}:BPMNDiagram\\s*>)`, 'g'),
      '',
    );
  }
  const root = rootStartTag(xml);
  xml = declareNamespaces(xml, root, needs);
  const newline = original.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n([ \t]*)<[A-Za-z_]/.exec(xml.slice(root.nameEnd))?.[1] ?? '  ';
  const diagram = blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/^((?: {2})*)/, (spaces) => indent.repeat(spaces.length / 2)))
    .join(newline);
  const endTags = [...xml.matchAll(new RegExp(`</${literal(root.name)}\\s*>`, 'g'))];
  const end = endTags.at(-1)?.index;
  if (end === undefined) throw new Error(`the document has no </${root.name}>`);
  const lineStart = xml.lastIndexOf('\n', end - 1) + 1;
  return xml.slice(lineStart, end).trim() === ''
    ? `${xml.slice(0, lineStart)}${diagram}${newline}${xml.slice(lineStart)}`
    : `${xml.slice(0, end)}${newline}${diagram}${newline}${xml.slice(end)}`;
}

/** Adds the missing `xmlns:prefix` declarations after the root's last one, in its layout. */
function declareNamespaces(xml: string, root: StartTag, needs: Map<string, string>): string {
  const declared = namespaces(root);
  const missing: string[] = [];
  for (const [prefix, uri] of needs) {
    const existing = declared.get(prefix);
    if (existing === undefined) missing.push(`xmlns:${prefix}="${uri}"`);
    else if (existing !== uri) throw new Error(`the prefix '${prefix}' is bound to ${existing}, not ${uri}`);
  }
  if (missing.length === 0) return xml;
  const last = root.attrs.filter((a) => a.name === 'xmlns' || a.name.startsWith('xmlns:')).at(-1);
  const at = last?.end ?? root.nameEnd;
  const leading = last?.leading ?? ' ';
  return `${xml.slice(0, at)}${missing.map((d) => `${leading}${d}`).join('')}${xml.slice(at)}`;
}
