// bpmn-moddle keeps no source positions; we find an element's line by its id attribute.
export class XmlLines {
  private readonly lineStarts: number[] = [0];

  constructor(private readonly xml: string) {
    for (let i = 0; i < xml.length; i++) if (xml.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** 1-based line of the offset. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** Line of the element whose id attribute is `id`, if it can be found. */
  lineOfId(id: string): number | undefined {
    const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`\\sid\\s*=\\s*["']${escaped}["']`).exec(this.xml);
    return m ? this.lineAt(m.index) : undefined;
  }
}
