// Broken BPMN documents, each breaking one thing in malformed/base.bpmn (a valid process), with
// the problem the engine must answer: its rule, the element it names (or, for XML that does not
// parse, the line) and words of its message. One case per distinct way to get it wrong.
import { readFileSync } from 'node:fs';
import { nestedSubprocesses } from '../../lib/bpmn/testdata/nested-subprocesses.js';

export const base = readFileSync(new URL('./malformed/base.bpmn', import.meta.url), 'utf8');

export interface MalformedCase {
  name: string;
  xml: string;
  /** The rule in brackets at the end of the problem line. */
  rule: string;
  /** The element the problem names. */
  element?: string;
  /** The line the problem names, for problems that name no element. */
  line?: number;
  /** Words of the message. */
  says: string;
}

/** The base with `from` (which must occur exactly once) replaced by `to`. */
function edit(from: string, to: string, xml = base): string {
  const at = xml.indexOf(from);
  if (at < 0 || xml.indexOf(from, at + 1) >= 0) throw new Error(`not exactly once in the base: ${from}`);
  return xml.slice(0, at) + to + xml.slice(at + from.length);
}

/** The base with `xml` added at the end of the process. */
const add = (xml: string): string => edit('  </bpmn:process>', `    ${xml}\n  </bpmn:process>`);

/** The base cut off right after `text`. */
const cutAfter = (text: string): string => base.slice(0, base.indexOf(text) + text.length);

/** 1-based line of `text` in `xml`. */
function lineOf(xml: string, text: string): number {
  const at = xml.indexOf(text);
  if (at < 0) throw new Error(`not in the document: ${text}`);
  return xml.slice(0, at).split('\n').length;
}

const catchEvent = (definition: string): string =>
  add(`<bpmn:intermediateCatchEvent id="wait">${definition}</bpmn:intermediateCatchEvent>`);
const timer = (kind: string, value: string): string =>
  catchEvent(`<bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition>`);
const loop = (inner: string): string =>
  add(
    `<bpmn:serviceTask id="each"><bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements>${inner}</bpmn:serviceTask>`,
  );
/** zeebe:executionListeners with the listeners given as eventType, type pairs. */
const listeners = (...pairs: string[]): string => {
  const items: string[] = [];
  for (let i = 0; i < pairs.length; i += 2)
    items.push(`<zeebe:executionListener eventType="${pairs[i] ?? ''}" type="${pairs[i + 1] ?? ''}" />`);
  return `<bpmn:extensionElements><zeebe:executionListeners>${items.join('')}</zeebe:executionListeners></bpmn:extensionElements>`;
};
const condition = (feel: string): string => edit('>=ok = true<', `>${feel}<`);

export function malformedCases(): MalformedCase[] {
  const xmlSyntax = (name: string, xml: string, line: number, says: string): MalformedCase => ({
    name,
    xml,
    rule: 'xml-syntax',
    line,
    says,
  });
  const cases: MalformedCase[] = [
    // XML that does not parse.
    xmlSyntax('empty document', '', 1, 'malformed XML'),
    xmlSyntax('JSON instead of XML', '{"process": "order"}', 1, 'malformed XML'),
    xmlSyntax(
      'truncated inside a start tag',
      cutAfter('<bpmn:serviceTask id="sh'),
      lineOf(base, '<bpmn:serviceTask id="ship"'),
      'malformed XML',
    ),
    xmlSyntax(
      'truncated with elements left open',
      cutAfter('<bpmn:endEvent id="late" />'),
      lineOf(base, '<bpmn:endEvent id="late" />'),
      'malformed XML',
    ),
    xmlSyntax(
      'mismatched end tag',
      edit('</bpmn:intermediateCatchEvent>', '</bpmn:intermediateThrowEvent>'),
      lineOf(base, '</bpmn:intermediateCatchEvent>'),
      'malformed XML',
    ),
    {
      name: 'unquoted attribute value',
      xml: edit('default="to-reject"', 'default=to-reject'),
      rule: 'xml-schema',
      line: lineOf(base, 'default="to-reject"'),
      says: 'missing attribute value quotes',
    },
    {
      name: 'HTML instead of BPMN',
      xml: '<html><body>order</body></html>',
      rule: 'xml-syntax',
      says: 'the root element is <html>, expected <bpmn:definitions>',
    },
    {
      name: 'a DOCTYPE with an entity declaration',
      xml: edit('<bpmn:definitions', '<!DOCTYPE bpmn:definitions [ <!ENTITY name "Check"> ]>\n<bpmn:definitions'),
      rule: 'xml-doctype',
      line: 3,
      says: 'DOCTYPE declarations are not supported, nor the entities they declare',
    },
    {
      name: 'a NUL character',
      xml: edit('name="Check order"', 'name="Check\u0000order"'),
      rule: 'xml-character',
      line: lineOf(base, 'name="Check order"'),
      says: 'the character U+0000, which XML does not allow',
    },
    {
      name: 'a character reference to a control character',
      xml: edit('name="Check order"', 'name="Check&#x1B;order"'),
      rule: 'xml-character',
      line: lineOf(base, 'name="Check order"'),
      says: 'the character reference &#x1B; stands for U+001B',
    },
    // Well-formed XML that is not valid BPMN.
    {
      name: 'unknown element in the bpmn namespace',
      xml: add('<bpmn:foo id="x" />'),
      rule: 'xml-schema',
      line: lineOf(add('<bpmn:foo id="x" />'), '<bpmn:foo'),
      says: 'unparsable content <bpmn:foo>',
    },
    {
      name: 'an id that is not an XML name',
      xml: edit('<bpmn:endEvent id="late" />', '<bpmn:endEvent id="2-late" />'),
      rule: 'xml-schema',
      line: lineOf(base, '<bpmn:endEvent id="late" />'),
      says: 'illegal ID <2-late>',
    },
    {
      name: 'duplicate ids',
      xml: add('<bpmn:task id="check" />'),
      rule: 'xml-schema',
      line: lineOf(add('<bpmn:task id="check" />'), '<bpmn:task id="check" />'),
      says: 'duplicate ID <check>',
    },
    {
      name: 'a flow to an element that does not exist',
      xml: edit('targetRef="late"', 'targetRef="nowhere"'),
      rule: 'sequence-flow-ref',
      element: 'to-late',
      says: 'must have a sourceRef and a targetRef that exist',
    },
    {
      name: 'no executable process',
      xml: edit('isExecutable="true"', 'isExecutable="false"'),
      rule: 'executable-process',
      says: 'no executable process',
    },
    {
      name: `subprocesses nested deeper than 256 levels`,
      xml: nestedSubprocesses(300),
      rule: 'subprocess-depth',
      element: 'sub-257',
      says: 'subprocesses nest deeper than 256 levels',
    },
  ];
  // Elements the engine does not execute.
  for (const type of ['complexGateway', 'transaction', 'gateway'])
    cases.push({
      name: `unsupported bpmn:${type}`,
      xml: add(`<bpmn:${type} id="x-${type}" />`),
      rule: 'unsupported-element',
      element: `x-${type}`,
      says: 'is not supported by procos-engine',
    });
  cases.push(
    // Start and end events, scopes.
    {
      name: 'no start event',
      xml: edit('<bpmn:startEvent id="start" />', '').replace('sourceRef="start"', 'sourceRef="rejected"'),
      rule: 'start-event',
      element: 'order',
      says: 'at least one start event',
    },
    {
      name: 'two none start events',
      xml: add('<bpmn:startEvent id="start-2" />'),
      rule: 'start-event',
      element: 'order',
      says: 'at most one none start event',
    },
    {
      name: 'a flow into the start event',
      xml: edit('sourceRef="too-late" targetRef="late"', 'sourceRef="too-late" targetRef="start"'),
      rule: 'start-event',
      element: 'start',
      says: 'must not have incoming sequence flows',
    },
    {
      name: 'a flow out of an end event',
      xml: edit('sourceRef="too-late" targetRef="late"', 'sourceRef="late" targetRef="rejected"'),
      rule: 'end-event',
      element: 'late',
      says: 'must not have outgoing sequence flows',
    },
    {
      name: 'an embedded subprocess without a start event',
      xml: add('<bpmn:subProcess id="sub"><bpmn:endEvent id="sub-end" /></bpmn:subProcess>'),
      rule: 'start-event',
      element: 'sub',
      says: 'embedded subprocess must have exactly one none start event',
    },
    {
      name: 'an event subprocess with a none start event',
      xml: add(
        '<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="esp-start" /></bpmn:subProcess>',
      ),
      rule: 'start-event',
      element: 'esp',
      says: 'event subprocess must have exactly one start event with a message, timer, signal, error or escalation definition',
    },
    {
      name: 'a non-interrupting error start event',
      xml: add(
        '<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="esp-start" isInterrupting="false"><bpmn:errorEventDefinition errorRef="out-of-stock" /></bpmn:startEvent></bpmn:subProcess>',
      ),
      rule: 'start-event',
      element: 'esp-start',
      says: 'an error start event always interrupts',
    },
    {
      name: 'a flow out of a subprocess into the enclosing process',
      xml: add(
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="sub-start" /><bpmn:sequenceFlow id="escape" sourceRef="sub-start" targetRef="late" /></bpmn:subProcess>',
      ),
      rule: 'sequence-flow-ref',
      element: 'escape',
      says: 'must connect elements of the same (sub)process',
    },
    // Boundary events.
    {
      name: 'a boundary event attached to nothing',
      xml: edit(' attachedToRef="ship"', ''),
      rule: 'boundary-attached',
      element: 'too-late',
      says: 'must be attached to an activity (attachedToRef)',
    },
    {
      name: 'a boundary event attached to a gateway',
      xml: edit('attachedToRef="ship"', 'attachedToRef="decide"'),
      rule: 'boundary-attached',
      element: 'too-late',
      says: "must be attached to an activity, not 'decide'",
    },
    {
      name: 'a flow into a boundary event',
      xml: add('<bpmn:sequenceFlow id="into-boundary" sourceRef="start" targetRef="too-late" />'),
      rule: 'boundary-event',
      element: 'too-late',
      says: 'must not have incoming sequence flows',
    },
    // Event definitions.
    {
      name: 'an escalation end event without an escalation code',
      xml: edit(
        '<bpmn:endEvent id="late" />',
        '<bpmn:endEvent id="late"><bpmn:escalationEventDefinition /></bpmn:endEvent>',
      ),
      rule: 'escalation-code',
      element: 'late',
      says: 'escalation throw event must reference a bpmn:escalation with an escalationCode',
    },
    {
      name: 'a start execution listener on a start event',
      xml: edit(
        '<bpmn:startEvent id="start" />',
        `<bpmn:startEvent id="start">${listeners('start', 'a')}</bpmn:startEvent>`,
      ),
      rule: 'execution-listener',
      element: 'start',
      says: 'start execution listeners are not supported on start events',
    },
    {
      name: 'two execution listeners of the same event type and job type',
      xml: edit(
        '<bpmn:startEvent id="start" />',
        `<bpmn:startEvent id="start">${listeners('end', 'a', 'end', 'a')}</bpmn:startEvent>`,
      ),
      rule: 'execution-listener',
      element: 'start',
      says: "two end execution listeners of type 'a'",
    },
    {
      name: 'an execution listener of an unknown event type',
      xml: edit(
        '<bpmn:startEvent id="start" />',
        `<bpmn:startEvent id="start">${listeners('take', 'a')}</bpmn:startEvent>`,
      ),
      rule: 'execution-listener',
      element: 'start',
      says: "eventType must be 'start' or 'end', not 'take'",
    },
    {
      name: 'an ad-hoc subprocess without activities',
      xml: add('<bpmn:adHocSubProcess id="tools"><bpmn:startEvent id="tools-start" /></bpmn:adHocSubProcess>'),
      rule: 'ad-hoc',
      element: 'tools',
      says: 'an ad-hoc subprocess must have at least one activity',
    },
    {
      name: 'an ad-hoc subprocess with a start event',
      xml: add(
        '<bpmn:adHocSubProcess id="tools"><bpmn:startEvent id="tools-start" /><bpmn:task id="tool" /></bpmn:adHocSubProcess>',
      ),
      rule: 'ad-hoc',
      element: 'tools-start',
      says: 'an ad-hoc subprocess must not have start events',
    },
    {
      name: 'a cancel end event',
      xml: edit(
        '<bpmn:endEvent id="late" />',
        '<bpmn:endEvent id="late"><bpmn:cancelEventDefinition /></bpmn:endEvent>',
      ),
      rule: 'unsupported-event',
      element: 'late',
      says: 'cancel end events are not supported by procos-engine',
    },
    {
      name: 'a compensation boundary event without a handler',
      xml: add(
        '<bpmn:boundaryEvent id="undo" attachedToRef="ship"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>',
      ),
      rule: 'compensation',
      element: 'undo',
      says: 'must be associated with a compensation handler',
    },
    {
      name: 'a conditional catch event',
      xml: catchEvent(
        '<bpmn:conditionalEventDefinition><bpmn:condition>=x</bpmn:condition></bpmn:conditionalEventDefinition>',
      ),
      rule: 'unsupported-event',
      element: 'wait',
      says: 'conditional intermediate catch events are not supported by procos-engine',
    },
    {
      name: 'a timer end event',
      xml: edit(
        '<bpmn:endEvent id="late" />',
        '<bpmn:endEvent id="late"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:endEvent>',
      ),
      rule: 'event-definition',
      element: 'late',
      says: 'bpmn:EndEvent with a timer event definition is not supported',
    },
    {
      name: 'a message throw event',
      xml: add(
        '<bpmn:intermediateThrowEvent id="notify"><bpmn:messageEventDefinition messageRef="payment" /></bpmn:intermediateThrowEvent>',
      ),
      // Zeebe runs these as jobs: the job type is what is missing.
      rule: 'job-type',
      element: 'notify',
      says: 'message intermediate throw events run as jobs: add a zeebe:taskDefinition with a job type',
    },
    {
      name: 'an event with two event definitions',
      xml: catchEvent(
        '<bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition><bpmn:signalEventDefinition />',
      ),
      rule: 'event-definition',
      element: 'wait',
      says: 'at most one event definition',
    },
    {
      name: 'an error end event without an error',
      xml: edit(
        '<bpmn:endEvent id="late" />',
        '<bpmn:endEvent id="late"><bpmn:errorEventDefinition /></bpmn:endEvent>',
      ),
      rule: 'error-code',
      element: 'late',
      says: 'must reference a bpmn:error with an errorCode',
    },
    {
      name: 'an error end event whose error has no code',
      xml: edit(
        '<bpmn:endEvent id="late" />',
        '<bpmn:endEvent id="late"><bpmn:errorEventDefinition errorRef="no-code" /></bpmn:endEvent>',
      ),
      rule: 'error-code',
      element: 'late',
      says: 'must reference a bpmn:error with an errorCode',
    },
    {
      name: 'a signal catch event without a signal',
      xml: catchEvent('<bpmn:signalEventDefinition />'),
      rule: 'signal-name',
      element: 'wait',
      says: 'must reference a bpmn:signal with a name',
    },
    // Messages.
    {
      name: 'a message catch event without a message',
      xml: edit('<bpmn:messageEventDefinition messageRef="payment" />', '<bpmn:messageEventDefinition />'),
      rule: 'message-name',
      element: 'wait-payment',
      says: 'must reference a bpmn:message with a name',
    },
    {
      name: 'a message without a subscription',
      xml: edit(
        '\n    <bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements>',
        '',
      ),
      rule: 'correlation-key',
      element: 'wait-payment',
      says: "message 'payment-received' must have a zeebe:subscription correlationKey",
    },
    {
      name: 'a literal correlation key',
      xml: edit('correlationKey="=orderId"', 'correlationKey="orderId"'),
      rule: 'correlation-key',
      element: 'wait-payment',
      says: "correlationKey 'orderId' must be a FEEL expression",
    },
    // Timers.
    {
      name: 'a timer with no definition',
      xml: catchEvent('<bpmn:timerEventDefinition />'),
      rule: 'timer',
      element: 'wait',
      says: 'exactly one of timeDuration, timeDate or timeCycle',
    },
    {
      name: 'a duration that is not ISO 8601',
      xml: timer('timeDuration', 'P1X'),
      rule: 'timer',
      element: 'wait',
      says: 'ISO 8601',
    },
    {
      name: 'a cycle without a period',
      xml: timer('timeCycle', 'R5'),
      rule: 'timer',
      element: 'wait',
      says: 'ISO 8601',
    },
    {
      name: 'an impossible date',
      xml: timer('timeDate', '2024-13-45T99:00:00Z'),
      rule: 'timer',
      element: 'wait',
      says: 'ISO 8601',
    },
    // Jobs.
    {
      name: 'a service task without a task definition',
      xml: edit('<bpmn:extensionElements><zeebe:taskDefinition type="order.ship" /></bpmn:extensionElements>', ''),
      rule: 'job-type',
      element: 'ship',
      says: 'must have a zeebe:taskDefinition with a job type',
    },
    {
      name: 'an empty job type',
      xml: edit('type="order.ship"', 'type=" "'),
      rule: 'job-type',
      element: 'ship',
      says: 'type must not be empty',
    },
    {
      name: 'retries that are not a number',
      xml: edit('retries="3"', 'retries="three"'),
      rule: 'job-retries',
      element: 'check',
      says: "retries 'three' must be a non-negative integer",
    },
    {
      name: 'a mapping target that is not a variable',
      xml: edit('target="orderId"', 'target="order id"'),
      rule: 'io-mapping',
      element: 'check',
      says: "mapping target 'order id' is not a variable name or path",
    },
    // Gateways and flows.
    {
      name: 'an exclusive gateway flow without a condition that is not the default',
      xml: edit(' default="to-reject"', ''),
      rule: 'condition-expression',
      element: 'to-reject',
      says: "from exclusive gateway 'decide' must have a condition unless it is the default flow",
    },
    {
      name: 'a default flow that does not leave the gateway',
      xml: edit('default="to-reject"', 'default="to-ship"'),
      rule: 'default-flow',
      element: 'decide',
      says: "default flow 'to-ship' must be an outgoing flow of the gateway",
    },
    {
      name: 'a default flow with a condition',
      xml: edit('default="to-reject"', 'default="to-wait"'),
      rule: 'default-flow',
      element: 'to-wait',
      says: 'the default flow must not have a condition',
    },
    {
      name: 'a condition that is not a FEEL expression',
      xml: condition('ok = true'),
      rule: 'condition-expression',
      element: 'to-wait',
      says: "condition 'ok = true' must be a FEEL expression starting with '='",
    },
    {
      name: 'a conditional flow out of a task',
      xml: edit(
        '<bpmn:sequenceFlow id="to-shipped" sourceRef="ship" targetRef="shipped" />',
        '<bpmn:sequenceFlow id="to-shipped" sourceRef="ship" targetRef="shipped"><bpmn:conditionExpression>=true</bpmn:conditionExpression></bpmn:sequenceFlow>',
      ),
      rule: 'condition-expression',
      element: 'to-shipped',
      says: 'conditional sequence flow from bpmn:ServiceTask is not supported',
    },
    {
      name: 'an event-based gateway with one way out',
      xml: add(
        '<bpmn:eventBasedGateway id="first-of" /><bpmn:sequenceFlow id="only" sourceRef="first-of" targetRef="wait-payment" />',
      ),
      rule: 'event-based-gateway',
      element: 'first-of',
      says: 'must have at least two outgoing sequence flows',
    },
    {
      name: 'an event-based gateway leading to a task',
      xml: add(
        '<bpmn:eventBasedGateway id="first-of" /><bpmn:serviceTask id="next"><bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements></bpmn:serviceTask>' +
          '<bpmn:sequenceFlow id="a" sourceRef="first-of" targetRef="wait-payment" /><bpmn:sequenceFlow id="b" sourceRef="first-of" targetRef="next" />',
      ),
      rule: 'event-based-gateway',
      element: 'next',
      says: "event-based gateway 'first-of' may only lead to intermediate catch events",
    },
    // Call activities, business rule tasks, multi-instance.
    {
      name: 'a call activity without a called element',
      xml: add('<bpmn:callActivity id="call" />'),
      rule: 'called-element',
      element: 'call',
      says: 'must have a zeebe:calledElement with a processId',
    },
    {
      name: 'a decision task without a decision id',
      xml: add(
        '<bpmn:businessRuleTask id="rate"><bpmn:extensionElements><zeebe:calledDecision resultVariable="r" /></bpmn:extensionElements></bpmn:businessRuleTask>',
      ),
      rule: 'called-decision',
      element: 'rate',
      says: 'must have a decisionId',
    },
    {
      name: 'a standard loop instead of multi-instance',
      xml: loop('<bpmn:standardLoopCharacteristics />'),
      rule: 'loop',
      element: 'each',
      says: 'bpmn:StandardLoopCharacteristics on bpmn:ServiceTask is not supported',
    },
    {
      name: 'a multi-instance task without an input collection',
      xml: loop('<bpmn:multiInstanceLoopCharacteristics />'),
      rule: 'loop',
      element: 'each',
      says: 'must have a zeebe:loopCharacteristics inputCollection',
    },
    // FEEL, wherever an expression may stand.
    ...(
      [
        ['a gateway condition', condition('=ok &gt;'), 'to-wait'],
        ['a gateway condition (unclosed string)', condition('="unclosed'), 'to-wait'],
        ['a gateway condition (unbalanced parenthesis)', condition('=(1 + 2'), 'to-wait'],
        ['a job type', edit('type="order.ship"', 'type="=&quot;order.&quot; +"'), 'ship'],
        ['a retries expression', edit('retries="3"', 'retries="=1 +"'), 'check'],
        ['an input mapping', edit('source="=order.id"', 'source="=order."'), 'check'],
        ['a correlation key', edit('correlationKey="=orderId"', 'correlationKey="=orderId["'), 'wait-payment'],
        ['a timer', timer('timeDuration', '=duration('), 'wait'],
        [
          'a called process id',
          add(
            '<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="=a +" /></bpmn:extensionElements></bpmn:callActivity>',
          ),
          'call',
        ],
        [
          'an input collection',
          loop(
            '<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1, 2" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>',
          ),
          'each',
        ],
      ] as const
    ).map(([where, xml, element]): MalformedCase => ({
      name: `FEEL syntax error in ${where}`,
      xml,
      rule: 'feel-syntax',
      element,
      says: 'FEEL syntax error',
    })),
  );
  return cases;
}
