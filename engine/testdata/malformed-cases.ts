// 100+ broken BPMN documents built from processes/hello.bpmn, each with the words its
// INVALID_ARGUMENT must contain. Built by code because the point is the variety.
import { readFileSync } from 'node:fs';

const hello = readFileSync(new URL('../../processes/hello.bpmn', import.meta.url), 'utf8');

export interface MalformedCase {
  name: string;
  xml: string;
  /** Fragments the rejection message must contain. */
  expect: string[];
}

const replaceOnce = (from: string, to: string): string => {
  if (!hello.includes(from)) throw new Error(`fixture text not found: ${from}`);
  return hello.replace(from, to);
};
const beforeProcessEnd = (xml: string): string => hello.replace('  </bpmn:process>', `${xml}\n  </bpmn:process>`);

export function malformedCases(): MalformedCase[] {
  const cases: MalformedCase[] = [];
  // Truncated XML at 30 places.
  for (let i = 1; i <= 30; i++) {
    const at = Math.floor((hello.length * i) / 32);
    cases.push({ name: `truncated at byte ${at}`, xml: hello.slice(0, at), expect: ['malformed XML', 'line'] });
  }
  // Elements that are not BPMN, or BPMN that the engine does not execute.
  const unsupported = [
    'complexGateway',
    'inclusiveGateway',
    'transaction',
    'adHocSubProcess',
    'callActivity',
    'receiveTask',
    'eventBasedGateway',
    'choreographyTask',
  ];
  for (const t of unsupported)
    cases.push({
      name: `unsupported bpmn:${t}`,
      xml: beforeProcessEnd(`    <bpmn:${t} id="x-${t}" />`),
      expect: [`x-${t}`],
    });
  cases.push({
    name: 'abstract bpmn:gateway',
    xml: beforeProcessEnd('    <bpmn:gateway id="x" />'),
    expect: ["'x'", 'bpmn:Gateway is not supported'],
  });
  for (const t of ['foo', 'serviceTaskk'])
    cases.push({
      name: `unknown element bpmn:${t}`,
      xml: beforeProcessEnd(`    <bpmn:${t} id="x" />`),
      expect: ['unparsable content', `bpmn:${t}`],
    });
  cases.push({
    name: 'unknown event definition',
    xml: replaceOnce(
      '<bpmn:endEvent id="end" name="Replied">',
      '<bpmn:endEvent id="end" name="Replied"><bpmn:escalationEventDefinition id="esc" />',
    ),
    expect: ["'end'", 'EscalationEventDefinition'],
  });
  // FEEL syntax errors in the gateway condition.
  const badFeel = [
    'x >',
    'a +',
    '(1 + 2',
    'if then else',
    'for x in return x',
    '{a: }',
    '[1, 2',
    '1 2 +',
    'some x in satisfies x',
    'string length(',
    '"unclosed',
    'a and or b',
    'not(',
    '1 +* 2',
    'x[',
    'x.',
    'function(',
    '* 3',
    ')',
    'between 1 and',
  ];
  for (const f of badFeel) {
    cases.push({
      name: `FEEL syntax error: ${f}`,
      xml: replaceOnce(
        '=string length(greeting) &gt; 12',
        `=${f.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}`,
      ),
      expect: ["'to-long'", 'FEEL syntax error'],
    });
  }
  // No start event: the flows form a cycle with nothing starting it.
  for (let i = 0; i < 10; i++) {
    const xml = replaceOnce(
      '<bpmn:startEvent id="start" name="Request">\n      <bpmn:outgoing>to-greet</bpmn:outgoing>\n    </bpmn:startEvent>',
      '',
    ).replace('sourceRef="start" targetRef="greet"', `sourceRef="reply-short" targetRef="greet" name="cycle-${i}"`);
    cases.push({ name: `cycle without a start event #${i}`, xml, expect: ["'hello'", 'at least one start event'] });
  }
  // Job types and task definitions.
  cases.push({
    name: 'empty job type',
    xml: replaceOnce('type="hello.greet"', 'type=""'),
    expect: ["'greet'", 'type must not be empty'],
  });
  cases.push({
    name: 'blank job type',
    xml: replaceOnce('type="hello.greet"', 'type="   "'),
    expect: ["'greet'", 'type must not be empty'],
  });
  cases.push({
    name: 'missing task definition',
    xml: replaceOnce('<zeebe:taskDefinition type="hello.greet" retries="3" />', ''),
    expect: ["'greet'", 'zeebe:taskDefinition'],
  });
  cases.push({
    name: 'bad retries',
    xml: replaceOnce('retries="3"', 'retries="three"'),
    expect: ["'greet'", 'retries'],
  });
  cases.push({
    name: 'FEEL job type with syntax error',
    xml: replaceOnce('type="hello.greet"', 'type="=a +"'),
    expect: ["'greet'", 'FEEL syntax error'],
  });
  // Gateways and flows.
  cases.push({
    name: 'gateway without default and an unconditioned flow',
    xml: replaceOnce(' default="to-short"', ''),
    expect: ["'to-short'", 'must have a condition'],
  });
  cases.push({
    name: 'default flow that is not outgoing',
    xml: replaceOnce('default="to-short"', 'default="to-greet"'),
    expect: ["'decide'", 'default flow'],
  });
  cases.push({
    name: 'condition that is not an expression',
    xml: replaceOnce('=string length(greeting) &gt; 12', 'string length(greeting) &gt; 12'),
    expect: ["'to-long'", 'must be a FEEL expression'],
  });
  cases.push({
    name: 'flow to a missing element',
    xml: replaceOnce('targetRef="end" />', 'targetRef="nowhere" />'),
    expect: ['nowhere'],
  });
  cases.push({
    name: 'duplicate ids',
    xml: beforeProcessEnd('    <bpmn:task id="greet" />'),
    expect: ['duplicate ID', 'greet'],
  });
  cases.push({
    name: 'conditional flow from a task',
    xml: replaceOnce(
      '<bpmn:sequenceFlow id="to-decide" sourceRef="greet" targetRef="decide" />',
      '<bpmn:sequenceFlow id="to-decide" sourceRef="greet" targetRef="decide"><bpmn:conditionExpression>=true</bpmn:conditionExpression></bpmn:sequenceFlow>',
    ),
    expect: ["'to-decide'", 'conditional sequence flow'],
  });
  // Messages and timers.
  const catchEvent = (def: string): string =>
    beforeProcessEnd(`    <bpmn:intermediateCatchEvent id="wait">${def}</bpmn:intermediateCatchEvent>`);
  cases.push({
    name: 'message catch with a literal correlationKey',
    xml: catchEvent('<bpmn:messageEventDefinition messageRef="m" />').replace(
      '</bpmn:definitions>',
      '<bpmn:message id="m" name="ping"><bpmn:extensionElements><zeebe:subscription correlationKey="none" /></bpmn:extensionElements></bpmn:message></bpmn:definitions>',
    ),
    expect: ["'wait'", 'correlationKey'],
  });
  cases.push({
    name: 'message catch without a subscription',
    xml: catchEvent('<bpmn:messageEventDefinition messageRef="m" />').replace(
      '</bpmn:definitions>',
      '<bpmn:message id="m" name="ping" /></bpmn:definitions>',
    ),
    expect: ["'wait'", 'zeebe:subscription'],
  });
  cases.push({
    name: 'message catch without a message',
    xml: catchEvent('<bpmn:messageEventDefinition />'),
    expect: ["'wait'", 'bpmn:message'],
  });
  const badTimers = ['PT', 'P1X', 'tomorrow', '5 minutes', 'PT-', 'R/PT', 'R5', '2024-13-45T99:00:00Z'];
  for (const t of badTimers) {
    const kind = t.startsWith('R') ? 'timeCycle' : t.includes('-') && t.length > 10 ? 'timeDate' : 'timeDuration';
    cases.push({
      name: `bad timer ${kind} ${t}`,
      xml: catchEvent(`<bpmn:timerEventDefinition><bpmn:${kind}>${t}</bpmn:${kind}></bpmn:timerEventDefinition>`),
      expect: ["'wait'", 'ISO 8601'],
    });
  }
  cases.push({
    name: 'timer with two definitions',
    xml: catchEvent(
      '<bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration><bpmn:timeCycle>R2/PT1S</bpmn:timeCycle></bpmn:timerEventDefinition>',
    ),
    expect: ["'wait'", 'exactly one of'],
  });
  cases.push({
    name: 'FEEL timer syntax error',
    xml: catchEvent(
      '<bpmn:timerEventDefinition><bpmn:timeDuration>=duration(</bpmn:timeDuration></bpmn:timerEventDefinition>',
    ),
    expect: ["'wait'", 'FEEL syntax error'],
  });
  // Structure.
  cases.push({
    name: 'no executable process',
    xml: replaceOnce('isExecutable="true"', 'isExecutable="false"'),
    expect: ['no executable process'],
  });
  cases.push({
    name: 'boundary event on nothing',
    xml: beforeProcessEnd(
      '    <bpmn:boundaryEvent id="b"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>',
    ),
    expect: ["'b'", 'attached'],
  });
  cases.push({
    name: 'error end event without error code',
    xml: replaceOnce(
      '<bpmn:endEvent id="end" name="Replied">',
      '<bpmn:endEvent id="end" name="Replied"><bpmn:errorEventDefinition />',
    ),
    expect: ["'end'", 'errorCode'],
  });
  cases.push({ name: 'empty document', xml: '', expect: ['malformed XML'] });
  cases.push({ name: 'not XML at all', xml: '{"process": "hello"}', expect: ['malformed XML'] });
  cases.push({
    name: 'HTML instead of BPMN',
    xml: '<html><body>hello</body></html>',
    expect: ['<html>', 'expected <bpmn:definitions>'],
  });
  cases.push({
    name: 'deeply nested unknown elements',
    xml: beforeProcessEnd(`${'<bpmn:foo>'.repeat(5000)}${'</bpmn:foo>'.repeat(5000)}`),
    expect: ['bpmn:foo'],
  });
  cases.push({
    name: 'huge document over the 4 MiB resource limit',
    xml: beforeProcessEnd(`<!-- ${'x'.repeat(5 * 1024 * 1024)} -->`),
    expect: ['exceeds', '4 MiB'],
  });
  cases.push({
    name: 'huge valid-looking document with one broken task',
    xml: beforeProcessEnd(Array.from({ length: 3000 }, (_, i) => `    <bpmn:task id="t${i}" />`).join('\n')).replace(
      'type="hello.greet"',
      'type=""',
    ),
    expect: ["'greet'", 'type must not be empty'],
  });
  return cases;
}
