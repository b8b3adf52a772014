// Checks on the raw XML text, before it is parsed: what the parser would accept but XML (or
// Zeebe) does not, each reported with its line.
import type { BpmnProblem } from './bpmn-problem.js';
import type { XmlLines } from './xml-lines.js';

/** Anything XML 1.0 (5th ed., production 2 "Char") allows: tab, LF, CR and U+0020 up, minus surrogates and U+FFFE/F. */
const ILLEGAL_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Markup whose inside is not scanned for references, and the two things looked for outside it. */
const MARKUP = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<!DOCTYPE\b|&#(?:x([0-9A-Fa-f]+)|([0-9]+));/g;

export function preflightProblems(xml: string, lines: XmlLines): BpmnProblem[] {
  const illegal = ILLEGAL_CHAR.exec(xml);
  if (illegal) {
    const code = illegal[0].codePointAt(0) ?? 0;
    return [
      {
        rule: 'xml-character',
        message: `the document contains the character ${codePoint(code)}, which XML does not allow (only tab, line feed, carriage return and U+0020 and above)`,
        line: lines.lineAt(illegal.index),
      },
    ];
  }
  for (const m of xml.matchAll(MARKUP)) {
    const [text, hex, decimal] = m;
    if (text.startsWith('<!DOCTYPE'))
      return [
        {
          rule: 'xml-doctype',
          message:
            'DOCTYPE declarations are not supported, nor the entities they declare (Zeebe refuses them too): remove the <!DOCTYPE …> and write what its entities stood for in place',
          line: lines.lineAt(m.index),
        },
      ];
    if (hex === undefined && decimal === undefined) continue; // a comment or CDATA section
    const code = hex !== undefined ? parseInt(hex, 16) : Number(decimal);
    if (code > 0x10ffff || ILLEGAL_CHAR.test(String.fromCodePoint(code)))
      return [
        {
          rule: 'xml-character',
          message: `the character reference ${text} stands for ${codePoint(code)}, which XML does not allow`,
          line: lines.lineAt(m.index),
        },
      ];
  }
  return [];
}

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
