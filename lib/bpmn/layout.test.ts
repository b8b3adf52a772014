// withDiagram gives a model without a diagram one that Camunda Modeler opens laid out, and
// changes nothing else: the same process, the same zeebe: extensions, the same text.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileBpmn, diagramGaps, layoutFiles, withDiagram } from './index.js';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const orders = fixture('orders.bpmn');
const laidOut = fixture('orders-laid-out.bpmn');
const processesDir = new URL('../../processes/', import.meta.url);

/** Element id → job type of each job-worker element the engine would run. */
async function jobTypes(xml: string): Promise<Record<string, string>> {
  const { processes, problems } = await compileBpmn(xml);
  expect(problems).toEqual([]);
  const types: Record<string, string> = {};
  for (const p of processes) {
    for (const [id, el] of p.elements) if (el.job?.type.kind === 'static') types[id] = el.job.type.value;
  }
  return types;
}

/** The DI elements of kind `type` ('BPMNShape' | 'BPMNEdge'), by the element they draw. */
const drawn = (xml: string, type: string): string[] =>
  [...xml.matchAll(new RegExp(`<bpmndi:${type} id="[^"]*" bpmnElement="([^"]*)"`, 'g'))].map((m) => m[1] ?? '');

describe('withDiagram', () => {
  it('gives a model without a diagram a shape for every flow node and an edge for every sequence flow', async () => {
    const flowNodes = ['order-received', 'check-stock', 'in-stock', 'reorder', 'stock-ready', 'await-payment', 'ship'];
    const inShip = ['ship-start', 'pack', 'packed'];
    const afterShip = ['ship-deadline', 'escalate', 'order-shipped', 'order-escalated'];
    expect(await diagramGaps(orders)).toEqual(
      expect.arrayContaining([...flowNodes, ...inShip, ...afterShip, 'to-pack']),
    );

    const xml = await withDiagram(orders);

    expect(await diagramGaps(xml)).toEqual([]);
    expect(drawn(xml, 'BPMNShape').sort()).toEqual([...flowNodes, ...inShip, ...afterShip].sort());
    expect(drawn(xml, 'BPMNEdge').sort()).toEqual(
      [...orders.matchAll(/<bpmn:sequenceFlow id="([^"]*)"/g)].map((m) => m[1]).sort(),
    );
  });

  it('keeps the process as written: the same job types and compiled model, zeebe: extensions and comments intact', async () => {
    const xml = await withDiagram(orders);

    expect(await jobTypes(xml)).toEqual({
      'check-stock': 'orders.check-stock',
      reorder: 'orders.reorder',
      pack: 'orders.pack',
      escalate: 'orders.escalate',
    });
    expect((await compileBpmn(xml)).processes).toEqual((await compileBpmn(orders)).processes);
    const process = /<!--[\s\S]*?-->|<bpmn:message [\s\S]*<\/bpmn:process>/g;
    expect(xml.match(process)).toEqual(orders.match(process));
    expect(xml).toContain('<zeebe:input source="=order.items" target="items" />');
    expect(xml).toContain('<zeebe:header key="carrier" value="parcel" />');
  });

  it('declares the diagram namespaces on the root element next to the others', async () => {
    const root = /<bpmn:definitions[^>]*>/.exec(await withDiagram(orders))?.[0];
    expect(root).toContain(
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="orders-definitions"',
    );
  });

  it('writes the diagram in the style of the file: CRLF line ends, tab indentation', async () => {
    const styled = orders.replaceAll('  ', '\t').replaceAll('\n', '\r\n');

    const xml = await withDiagram(styled);

    expect(await diagramGaps(xml)).toEqual([]);
    expect(xml.startsWith(styled.slice(0, styled.indexOf(' id="orders-definitions"')))).toBe(true);
    expect(xml.replaceAll('\r\n', '')).not.toContain('\n');
    expect(xml).toContain('\r\n\t<bpmndi:BPMNDiagram id="BPMNDiagram_orders">\r\n\t\t<bpmndi:BPMNPlane ');
    expect(xml.endsWith('\t</bpmndi:BPMNDiagram>\r\n</bpmn:definitions>\r\n')).toBe(true);
  });

  it('returns a model whose diagram is complete unchanged', async () => {
    expect(await diagramGaps(laidOut)).toEqual([]);
    expect(await withDiagram(laidOut)).toBe(laidOut);
  });

  it('replaces an incomplete diagram (a sequence flow without an edge) with one diagram laid out afresh', async () => {
    const incomplete = laidOut.replace(/\s*<bpmndi:BPMNEdge id="to-escalate_di"[\s\S]*?<\/bpmndi:BPMNEdge>/, '');
    expect(await diagramGaps(incomplete)).toEqual(['to-escalate']);

    const xml = await withDiagram(incomplete);

    expect(await diagramGaps(xml)).toEqual([]);
    expect(xml.match(/<bpmndi:BPMNDiagram /g)).toHaveLength(1);
    expect(xml).toBe(laidOut);
  });

  it('says which elements bpmn-auto-layout could not place rather than return half a diagram', async () => {
    // bpmn-auto-layout parses with moddle's ASCII-only ids (bpmn-io/moddle-xml#55) and drops these.
    await expect(withDiagram(fixture('unicode-ids.bpmn'))).rejects.toThrow(
      "bpmn-auto-layout placed no shape or edge for '開始', '処理', 'Ende_ñ', 'zum_処理', 'zum_Ende'",
    );
  });
});

describe('the BPMN files we ship', () => {
  it('open laid out: every flow node has a shape and every sequence flow an edge', async () => {
    const files = (await readdir(processesDir, { recursive: true })).filter((f) => f.endsWith('.bpmn'));
    expect(files).toContain('hello.bpmn');
    for (const file of files) {
      expect({ file, gaps: await diagramGaps(await readFile(new URL(file, processesDir), 'utf8')) }).toEqual({
        file,
        gaps: [],
      });
    }
  });
});

describe('layoutFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'procos-layout-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rewrites the files without a diagram in place and leaves the others alone', async () => {
    const [bare, done] = [join(dir, 'orders.bpmn'), join(dir, 'laid-out.bpmn')];
    await writeFile(bare, orders);
    await writeFile(done, laidOut);

    expect(await layoutFiles([bare, done])).toEqual([
      { file: bare, changed: true },
      { file: done, changed: false },
    ]);
    expect(await readFile(bare, 'utf8')).toBe(await withDiagram(orders));
    expect(await layoutFiles([bare])).toEqual([{ file: bare, changed: false }]);
  });

  it('writes nothing when one file cannot be laid out, and names that file', async () => {
    const [bare, unicode] = [join(dir, 'orders.bpmn'), join(dir, 'unicode.bpmn')];
    await writeFile(bare, orders);
    await writeFile(unicode, fixture('unicode-ids.bpmn'));

    await expect(layoutFiles([bare, unicode])).rejects.toThrow(`${unicode}: bpmn-auto-layout placed no shape`);
    expect(await readFile(bare, 'utf8')).toBe(orders);
  });
});
