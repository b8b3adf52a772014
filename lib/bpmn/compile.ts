// Parses BPMN XML and compiles every executable process into a ProcessModel, collecting
// Zeebe-style semantic problems. Anything the engine cannot execute is a problem at deploy
// time, never silently ignored.
import { createHash } from 'node:crypto';
import { expressionOf, feelSyntaxError, type Expression } from '../feel/index.js';
import type { BpmnProblem } from './bpmn-problem.js';
import { child, children, extension, parseXml, str, type ModdleElement } from './moddle.js';
import type {
  AdHocDefinition,
  ElementKind,
  EventDefinition,
  ExecutionListener,
  FlowNode,
  Mapping,
  ProcessModel,
  SequenceFlow,
  TaskListener,
  TaskListenerEvent,
  UserTaskDefinition,
  UserTaskHeader,
} from './model.js';
import { timerValueError } from './timer.js';
import { XmlLines } from './xml-lines.js';
import { preflightProblems } from './xml-preflight.js';

const SUPPORTED_DEFINITIONS = new Set([
  'bpmn:MessageEventDefinition',
  'bpmn:TimerEventDefinition',
  'bpmn:ErrorEventDefinition',
  'bpmn:TerminateEventDefinition',
  'bpmn:SignalEventDefinition',
  'bpmn:LinkEventDefinition',
  'bpmn:EscalationEventDefinition',
  'bpmn:CompensateEventDefinition',
]);

/** "escalation end events", "message intermediate throw events": the feature, as a user names it. */
function unsupportedFeature(eventType: string, definitionType: string): string {
  const what = /^bpmn:(\w+?)(?:Event)?Definition$/.exec(definitionType)?.[1] ?? definitionType;
  const where = /^bpmn:(\w+)Event$/.exec(eventType)?.[1] ?? eventType;
  const words = (camel: string): string => camel.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `${words(what === 'Compensate' ? 'Compensation' : what)} ${words(where)} events`;
}

/** Events that throw: with a message definition, Zeebe runs them as jobs. */
const THROW_TYPES = new Set(['bpmn:IntermediateThrowEvent', 'bpmn:EndEvent']);

/**
 * Flow elements that only document data (Zeebe deploys and ignores them too); text annotations,
 * associations and groups are artifacts, which the compiler never walks.
 */
const NON_EXECUTABLE = new Set(['bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);

export interface CompiledDefinitions {
  processes: ProcessModel[];
  problems: BpmnProblem[];
  checksum: string;
}

const KIND_BY_TYPE: Record<string, ElementKind> = {
  'bpmn:StartEvent': 'startEvent',
  'bpmn:EndEvent': 'endEvent',
  'bpmn:ServiceTask': 'serviceTask',
  'bpmn:SendTask': 'serviceTask',
  'bpmn:BusinessRuleTask': 'serviceTask',
  'bpmn:ScriptTask': 'serviceTask',
  'bpmn:UserTask': 'serviceTask',
  'bpmn:Task': 'passThroughTask',
  'bpmn:ManualTask': 'passThroughTask',
  'bpmn:ExclusiveGateway': 'exclusiveGateway',
  'bpmn:ParallelGateway': 'parallelGateway',
  'bpmn:InclusiveGateway': 'inclusiveGateway',
  'bpmn:ReceiveTask': 'receiveTask',
  'bpmn:IntermediateCatchEvent': 'intermediateCatchEvent',
  'bpmn:IntermediateThrowEvent': 'intermediateThrowEvent',
  'bpmn:BoundaryEvent': 'boundaryEvent',
  'bpmn:SubProcess': 'subProcess',
  'bpmn:AdHocSubProcess': 'adHocSubProcess',
  'bpmn:CallActivity': 'callActivity',
  'bpmn:EventBasedGateway': 'eventBasedGateway',
};

/** Elements that can carry boundary events and multi-instance loops. */
const ACTIVITY_KINDS: ElementKind[] = [
  'serviceTask',
  'userTask',
  'businessRuleTask',
  'scriptTask',
  'subProcess',
  'callActivity',
  'passThroughTask',
  'receiveTask',
  'adHocSubProcess',
];

/** Gateways that choose outgoing flows by their conditions (and may have a default flow). */
const CONDITIONAL_GATEWAYS: ElementKind[] = ['exclusiveGateway', 'inclusiveGateway'];

/**
 * Subprocesses nested deeper than this are refused: compiling and executing a scope recurses
 * per level, and a document of a few MiB could otherwise nest thousands deep and overflow the
 * stack (issue 8). Real processes stay far below it.
 */
export const MAX_SUBPROCESS_DEPTH = 256;

/** Zeebe's job type for user tasks without a task definition (job-based user tasks). */
export const USER_TASK_JOB_TYPE = 'io.camunda.zeebe:userTask';

export async function compileBpmn(xml: string): Promise<CompiledDefinitions> {
  const checksum = createHash('sha256').update(xml).digest('hex');
  const lines = new XmlLines(xml);
  const problems: BpmnProblem[] = preflightProblems(xml, lines);
  if (problems.length) return { processes: [], problems, checksum };
  let parsed;
  try {
    parsed = await parseXml(xml);
  } catch (err) {
    problems.push(xmlProblem(err, xml, lines));
    return { processes: [], problems, checksum };
  }
  for (const w of parsed.warnings) {
    // The diagram is not executed: Zeebe deploys models whose diagram names a missing element.
    if (w.element?.$type.startsWith('bpmndi:')) continue;
    const elementId = w.element?.id;
    problems.push({
      rule: 'xml-schema',
      message: `${firstLine(w.message)}${nested(w.message)}`,
      elementId,
      line: lineFromMessage(w.message) ?? (elementId ? lines.lineOfId(elementId) : undefined),
    });
  }
  const executable = children(parsed.rootElement, 'rootElements').filter(
    (e) => e.$type === 'bpmn:Process' && e.isExecutable === true,
  );
  if (executable.length === 0) {
    problems.push({
      rule: 'executable-process',
      message: 'the definitions contain no executable process (bpmn:process with isExecutable="true")',
    });
  }
  const codes = (type: string, attr: string): Map<string, string | undefined> =>
    new Map(
      children(parsed.rootElement, 'rootElements')
        .filter((e) => e.$type === type && e.id)
        .map((e) => [e.id ?? '', str(e, attr)]),
    );
  const refs: RootRefs = {
    errorCodes: codes('bpmn:Error', 'errorCode'),
    escalationCodes: codes('bpmn:Escalation', 'escalationCode'),
  };
  const processes = executable.map((p) => new ProcessCompiler(p, lines, problems, refs).compile());
  return { processes, problems, checksum };
}

function xmlProblem(err: unknown, xml: string, lines: XmlLines): BpmnProblem {
  const message = err instanceof Error ? err.message : String(err);
  // The parser reports the end of a truncated document as line 0; it is where the text ends.
  const line = /unexpected end of file/.test(message) ? lines.lineAt(xml.length) : lineFromMessage(message);
  const root = /<([A-Za-z_][\w.:-]*)/.exec(xml.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, ''))?.[1];
  const rootHint =
    root && !/(^|:)definitions$/.test(root) ? ` (the root element is <${root}>, expected <bpmn:definitions>)` : '';
  return {
    rule: 'xml-syntax',
    message: `malformed XML: ${firstLine(message)}${nested(message)}${rootHint}`,
    line,
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}

function nested(message: string): string {
  const m = /nested error: (.*)/.exec(message);
  return m?.[1] ? ` (${m[1]})` : '';
}

/** moddle reports "line: N" 0-based. */
function lineFromMessage(message: string): number | undefined {
  const m = /line: (\d+)/.exec(message);
  return m?.[1] ? Number(m[1]) + 1 : undefined;
}

/** Codes of the bpmn:error and bpmn:escalation root elements, by id. */
interface RootRefs {
  errorCodes: Map<string, string | undefined>;
  escalationCodes: Map<string, string | undefined>;
}

class ProcessCompiler {
  private readonly model: ProcessModel;
  /** The flow nodes declared directly in each scope (process or subprocess id). */
  private readonly scopeNodes = new Map<string, FlowNode[]>();
  /** Events refused for a feature procos-engine lacks: no follow-on problem is reported for them. */
  private readonly unsupportedEvents = new Set<string>();

  constructor(
    private readonly process: ModdleElement,
    private readonly lines: XmlLines,
    private readonly problems: BpmnProblem[],
    private readonly refs: RootRefs,
  ) {
    this.model = {
      id: process.id ?? '',
      name: process.name,
      elements: new Map(),
      flows: new Map(),
      startEvents: new Map(),
      eventSubprocesses: new Map(),
      boundaryEvents: new Map(),
      jobTypes: [],
      executionListeners: [],
      hasCompensation: false,
    };
  }

  compile(): ProcessModel {
    this.model.executionListeners = this.executionListeners(this.process, this.model.id, 'process');
    this.compileScope(this.process, this.model.id, 0);
    this.checkScope(this.model.id, true);
    this.model.jobTypes = [...new Set(this.model.jobTypes)].sort();
    return this.model;
  }

  private problem(rule: string, elementId: string | undefined, message: string): void {
    this.problems.push({ rule, message, elementId, line: elementId ? this.lines.lineOfId(elementId) : undefined });
  }

  /**
   * `depth`: how many subprocesses enclose this scope (0 for the process itself). Work per scope
   * stays proportional to the scope's own elements: a document with thousands of sibling
   * subprocesses must not take quadratic time (it blocks the engine while it deploys).
   */
  private compileScope(scope: ModdleElement, scopeId: string, depth: number): void {
    const flows: SequenceFlow[] = [];
    for (const el of children(scope, 'flowElements')) {
      if (el.$type !== 'bpmn:SequenceFlow') continue;
      const flow = this.compileFlow(el);
      if (flow) flows.push(flow);
    }
    const nodes: FlowNode[] = [];
    this.scopeNodes.set(scopeId, nodes);
    for (const el of children(scope, 'flowElements')) {
      if (el.$type === 'bpmn:SequenceFlow' || NON_EXECUTABLE.has(el.$type)) continue;
      const kind = KIND_BY_TYPE[el.$type];
      if (!kind) {
        this.problem('unsupported-element', el.id, `element type ${el.$type} is not supported by procos-engine`);
        continue;
      }
      const calledDecision =
        el.$type === 'bpmn:BusinessRuleTask' && extension(el, 'zeebe:CalledDecision') !== undefined;
      // A script task is a job unless it carries zeebe:script, which the engine evaluates itself.
      const script = el.$type === 'bpmn:ScriptTask' && extension(el, 'zeebe:Script') !== undefined;
      // A user task is a job unless it is a Camunda user task (zeebe:userTask).
      const native = el.$type === 'bpmn:UserTask' && extension(el, 'zeebe:UserTask') !== undefined;
      const node = this.compileNode(
        el,
        calledDecision ? 'businessRuleTask' : script ? 'scriptTask' : native ? 'userTask' : kind,
        scopeId,
      );
      this.model.elements.set(node.id, node);
      nodes.push(node);
      if (kind === 'startEvent') listIn(this.model.startEvents, scopeId).push(node.id);
      if (kind === 'boundaryEvent' && node.attachedTo) listIn(this.model.boundaryEvents, node.attachedTo).push(node.id);
      const scopeKind = kind === 'subProcess' || kind === 'adHocSubProcess';
      if (scopeKind && depth + 1 > MAX_SUBPROCESS_DEPTH) {
        this.problem('subprocess-depth', node.id, `subprocesses nest deeper than ${MAX_SUBPROCESS_DEPTH} levels`);
      } else if (scopeKind) {
        this.compileScope(el, node.id, depth + 1);
        this.checkScope(node.id, false);
      }
    }
    // Every flow is wired once, by the scope it is declared in (its elements exist by now).
    for (const flow of flows) {
      this.model.elements.get(flow.source)?.outgoing.push(flow.id);
      this.model.elements.get(flow.target)?.incoming.push(flow.id);
    }
    // A compensation boundary event is associated with its handler (an artifact, not a flow).
    for (const a of children(scope, 'artifacts')) {
      if (a.$type !== 'bpmn:Association') continue;
      const source = this.model.elements.get(child(a, 'sourceRef')?.id ?? '');
      if (source?.event.kind === 'compensation' && source.kind === 'boundaryEvent')
        source.compensationHandler = child(a, 'targetRef')?.id;
    }
  }

  private compileFlow(el: ModdleElement): SequenceFlow | undefined {
    const id = el.id ?? '';
    const source = child(el, 'sourceRef')?.id;
    const target = child(el, 'targetRef')?.id;
    if (!source || !target) {
      this.problem('sequence-flow-ref', id, 'sequence flow must have a sourceRef and a targetRef that exist');
      return undefined;
    }
    const flow: SequenceFlow = { id, source, target };
    const body = str(child(el, 'conditionExpression'), 'body');
    if (body !== undefined) {
      const expr = expressionOf(body);
      if (expr.kind !== 'feel')
        this.problem('condition-expression', id, `condition '${body}' must be a FEEL expression starting with '='`);
      else {
        this.checkFeel(id, expr, 'condition');
        flow.condition = expr.source;
      }
    }
    this.model.flows.set(id, flow);
    return flow;
  }

  private compileNode(el: ModdleElement, kind: ElementKind, scopeId: string): FlowNode {
    const id = el.id ?? '';
    const node: FlowNode = {
      id,
      name: el.name,
      kind,
      bpmnType: el.$type,
      scopeId,
      incoming: [],
      outgoing: [],
      event: this.eventDefinition(el),
      inputs: [],
      outputs: [],
      executionListeners: [],
    };
    if (el.isForCompensation === true) node.isForCompensation = true;
    this.compileIoMapping(el, node);
    const adHocWorker = kind === 'adHocSubProcess' && extension(el, 'zeebe:TaskDefinition') !== undefined;
    if (kind === 'serviceTask' || adHocWorker || (node.event.kind === 'message' && THROW_TYPES.has(el.$type)))
      node.job = this.jobDefinition(el);
    if (kind === 'businessRuleTask') this.compileCalledDecision(el, node);
    if (kind === 'scriptTask') this.compileScript(el, node);
    if (CONDITIONAL_GATEWAYS.includes(kind)) node.defaultFlow = child(el, 'default')?.id;
    if (kind === 'receiveTask') node.event = this.messageDefinition(el, el);
    if (kind === 'adHocSubProcess') node.adHoc = this.adHocDefinition(el);
    if (kind === 'userTask') node.userTask = this.nativeUserTask(el);
    else if (extension(el, 'zeebe:TaskListeners'))
      this.problem(
        'task-listener',
        id,
        'task listeners need a Camunda user task (zeebe:userTask); this one is job-based',
      );
    if (kind === 'boundaryEvent') {
      node.attachedTo = child(el, 'attachedToRef')?.id;
      node.cancelActivity = el.cancelActivity !== false;
      if (!node.attachedTo)
        this.problem('boundary-attached', id, 'boundary event must be attached to an activity (attachedToRef)');
    }
    if (kind === 'subProcess' && el.triggeredByEvent === true) {
      node.triggeredByEvent = true;
      this.model.eventSubprocesses.set(scopeId, [...(this.model.eventSubprocesses.get(scopeId) ?? []), id]);
    }
    if (kind === 'startEvent') node.interrupting = el.isInterrupting !== false;
    if (kind === 'callActivity') this.compileCalledElement(el, node);
    this.compileLoop(el, node);
    this.checkEventPlacement(node);
    node.executionListeners = this.executionListeners(el, id, kind, node.event.kind);
    return node;
  }

  private jobDefinition(el: ModdleElement): FlowNode['job'] {
    const def = extension(el, 'zeebe:TaskDefinition');
    const id = el.id ?? '';
    const headers = Object.fromEntries(
      children(extension(el, 'zeebe:TaskHeaders'), 'values').map((h) => [str(h, 'key') ?? '', str(h, 'value') ?? '']),
    );
    const typeText = str(def, 'type');
    if (!def && el.$type === 'bpmn:UserTask') {
      this.model.jobTypes.push(USER_TASK_JOB_TYPE);
      return {
        type: { kind: 'static', value: USER_TASK_JOB_TYPE },
        retries: { kind: 'static', value: '3' },
        headers,
        userTaskHeaders: this.userTaskHeaders(el),
      };
    }
    if (!def && THROW_TYPES.has(el.$type))
      this.problem(
        'job-type',
        id,
        `${unsupportedFeature(el.$type, 'bpmn:MessageEventDefinition')} run as jobs: add a zeebe:taskDefinition with a job type`,
      );
    else if (!def) this.problem('job-type', id, `${el.$type} must have a zeebe:taskDefinition with a job type`);
    else if (!typeText || typeText.trim() === '')
      this.problem('job-type', id, 'zeebe:taskDefinition type must not be empty');
    const type = expressionOf(typeText ?? '');
    if (type.kind === 'feel') this.checkFeel(id, type, 'job type');
    this.model.jobTypes.push(type.kind === 'static' ? type.value : `=${type.source}`);
    // An empty retries attribute (Modeler 1.0 wrote retries="") means the default, as in Zeebe.
    const retries = expressionOf(str(def, 'retries')?.trim() || '3');
    if (retries.kind === 'feel') this.checkFeel(id, retries, 'retries');
    else if (!/^\d+$/.test(retries.value.trim()))
      this.problem('job-retries', id, `retries '${retries.value}' must be a non-negative integer or a FEEL expression`);
    return { type, retries, headers };
  }

  private adHocDefinition(el: ModdleElement): AdHocDefinition {
    const id = el.id ?? '';
    const z = extension(el, 'zeebe:AdHoc');
    const feel = (text: string | undefined, what: string): Expression | undefined => {
      if (!text) return undefined;
      const e = expressionOf(text);
      if (e.kind !== 'feel')
        this.problem('ad-hoc', id, `${what} '${text}' must be a FEEL expression starting with '='`);
      else this.checkFeel(id, e, what);
      return e;
    };
    const condition = feel(str(child(el, 'completionCondition'), 'body'), 'completionCondition');
    const activatable = children(el, 'flowElements')
      .filter((n) => KIND_BY_TYPE[n.$type] && !['bpmn:BoundaryEvent', 'bpmn:StartEvent'].includes(n.$type))
      .filter(
        (n) => n.triggeredByEvent !== true && n.isForCompensation !== true && children(n, 'incoming').length === 0,
      )
      .map((n) => ({
        elementId: n.id ?? '',
        ...(n.name ? { elementName: n.name } : {}),
        ...(str(children(n, 'documentation')[0], 'text')
          ? { documentation: str(children(n, 'documentation')[0], 'text') }
          : {}),
        properties: Object.fromEntries(
          children(extension(n, 'zeebe:Properties'), 'properties').map((p) => [
            str(p, 'name') ?? '',
            str(p, 'value') ?? '',
          ]),
        ),
      }));
    return {
      activeElements: feel(str(z, 'activeElementsCollection'), 'activeElementsCollection'),
      completionCondition: condition?.kind === 'feel' ? condition.source : undefined,
      cancelRemainingInstances: el.cancelRemainingInstances !== false,
      outputCollection: str(z, 'outputCollection'),
      outputElement: feel(str(z, 'outputElement'), 'outputElement'),
      activatable,
    };
  }

  /** A user task's assignment and schedule: static values or FEEL, evaluated at activation. */
  private userTaskProperties(el: ModdleElement): Record<string, UserTaskHeader> {
    const id = el.id ?? '';
    const out: Record<string, UserTaskHeader> = {};
    const add = (name: string, text: string | undefined, type: UserTaskHeader['type']): void => {
      if (text === undefined || text.trim() === '') return;
      const expression = expressionOf(text);
      this.checkFeel(id, expression, name);
      out[name] = { expression, type };
    };
    const assignment = extension(el, 'zeebe:AssignmentDefinition');
    add('assignee', str(assignment, 'assignee'), 'string');
    add('candidateGroups', str(assignment, 'candidateGroups'), 'list');
    add('candidateUsers', str(assignment, 'candidateUsers'), 'list');
    const schedule = extension(el, 'zeebe:TaskSchedule');
    add('dueDate', str(schedule, 'dueDate'), 'date');
    add('followUpDate', str(schedule, 'followUpDate'), 'date');
    return out;
  }

  /** A Camunda user task: its properties, form and task listeners. */
  private nativeUserTask(el: ModdleElement): UserTaskDefinition {
    const id = el.id ?? '';
    const form = extension(el, 'zeebe:FormDefinition');
    const externalReference = str(form, 'externalReference');
    const priorityText = str(extension(el, 'zeebe:PriorityDefinition'), 'priority');
    const priority = priorityText ? expressionOf(priorityText) : undefined;
    if (priority) this.checkFeel(id, priority, 'priority');
    const externalFormReference = externalReference ? expressionOf(externalReference) : undefined;
    if (externalFormReference) this.checkFeel(id, externalFormReference, 'external form reference');
    return {
      ...this.userTaskProperties(el),
      priority,
      formId: str(form, 'formId'),
      formKey: str(form, 'formKey'),
      externalFormReference,
      headers: Object.fromEntries(
        children(extension(el, 'zeebe:TaskHeaders'), 'values').map((h) => [str(h, 'key') ?? '', str(h, 'value') ?? '']),
      ),
      taskListeners: this.taskListeners(el),
    };
  }

  /** zeebe:taskListeners; 8.7's event names (create, assignment, update, complete) read as 8.8's. */
  private taskListeners(el: ModdleElement): TaskListener[] {
    const id = el.id ?? '';
    const names: Record<string, TaskListenerEvent> = {
      creating: 'creating',
      create: 'creating',
      assigning: 'assigning',
      assignment: 'assigning',
      updating: 'updating',
      update: 'updating',
      completing: 'completing',
      complete: 'completing',
    };
    const out: TaskListener[] = [];
    for (const l of children(extension(el, 'zeebe:TaskListeners'), 'listeners')) {
      const eventType = str(l, 'eventType') ?? '';
      const event = names[eventType];
      if (!event) {
        this.problem(
          'task-listener',
          id,
          eventType === 'canceling' || eventType === 'cancel'
            ? 'canceling task listeners are not supported by procos-engine'
            : `task listener eventType '${eventType}' is not one of creating, assigning, updating, completing`,
        );
        continue;
      }
      const typeText = str(l, 'type') ?? '';
      if (typeText.trim() === '') this.problem('task-listener', id, 'task listener type must not be empty');
      const type = expressionOf(typeText);
      const retries = expressionOf(str(l, 'retries') ?? '3');
      this.checkFeel(id, type, 'task listener type');
      this.checkFeel(id, retries, 'task listener retries');
      if (type.kind === 'static') this.model.jobTypes.push(type.value);
      out.push({ eventType: event, type, retries });
    }
    return out;
  }

  /**
   * Zeebe hands a job-based user task's assignment, schedule and form to the worker as
   * io.camunda.zeebe:* headers; candidates as a JSON array, FEEL values evaluated at activation.
   */
  private userTaskHeaders(el: ModdleElement): Record<string, UserTaskHeader> {
    const out = Object.fromEntries(
      Object.entries(this.userTaskProperties(el)).map(([name, h]) => [`io.camunda.zeebe:${name}`, h]),
    );
    const form = extension(el, 'zeebe:FormDefinition');
    const formKey = str(form, 'formKey');
    const formId = str(form, 'formId');
    if (formKey) out['io.camunda.zeebe:formKey'] = { expression: { kind: 'static', value: formKey }, type: 'string' };
    // A linked form (Camunda 8.4+): the key of its latest deployed version, found at activation.
    else if (formId) out['io.camunda.zeebe:formKey'] = { expression: { kind: 'static', value: formId }, type: 'form' };
    return out;
  }

  /**
   * zeebe:executionListeners, where Zeebe runs them: no start listeners on start and boundary
   * events, no end listeners on gateways and error end events (the Camunda docs' limitations);
   * each eventType and type pair at most once.
   */
  private executionListeners(
    el: ModdleElement,
    id: string,
    kind: ElementKind | 'process',
    event: EventDefinition['kind'] = 'none',
  ): ExecutionListener[] {
    const out: ExecutionListener[] = [];
    const seen = new Set<string>();
    for (const l of children(extension(el, 'zeebe:ExecutionListeners'), 'listeners')) {
      const eventType = str(l, 'eventType') ?? '';
      const typeText = str(l, 'type') ?? '';
      if (eventType !== 'start' && eventType !== 'end') {
        this.problem(
          'execution-listener',
          id,
          `execution listener eventType must be 'start' or 'end', not '${eventType}'`,
        );
        continue;
      }
      const refused = listenerRefusal(kind, event, eventType);
      if (refused) {
        this.problem('execution-listener', id, refused);
        continue;
      }
      if (typeText.trim() === '') this.problem('execution-listener', id, 'execution listener type must not be empty');
      if (seen.has(`${eventType}\0${typeText}`))
        this.problem('execution-listener', id, `two ${eventType} execution listeners of type '${typeText}'`);
      seen.add(`${eventType}\0${typeText}`);
      const type = expressionOf(typeText);
      const retries = expressionOf(str(l, 'retries') ?? '3');
      this.checkFeel(id, type, 'execution listener type');
      this.checkFeel(id, retries, 'execution listener retries');
      if (type.kind === 'static') this.model.jobTypes.push(type.value);
      const headers = Object.fromEntries(
        children(child(l, 'headers'), 'values').map((h) => [str(h, 'key') ?? '', str(h, 'value') ?? '']),
      );
      out.push({ eventType, type, retries, headers });
    }
    return out;
  }

  private compileLoop(el: ModdleElement, node: FlowNode): void {
    const loop = child(el, 'loopCharacteristics');
    if (!loop) return;
    if (loop.$type !== 'bpmn:MultiInstanceLoopCharacteristics' || !ACTIVITY_KINDS.includes(node.kind)) {
      this.problem(
        'loop',
        node.id,
        `${loop.$type} on ${node.bpmnType} is not supported; use multi-instance on a task, subprocess or call activity`,
      );
      return;
    }
    const z = extension(loop, 'zeebe:LoopCharacteristics');
    const input = str(z, 'inputCollection');
    if (!input) {
      this.problem('loop', node.id, 'multi-instance activity must have a zeebe:loopCharacteristics inputCollection');
      return;
    }
    const inputCollection = expressionOf(input);
    if (inputCollection.kind !== 'feel')
      this.problem('loop', node.id, `inputCollection '${input}' must be a FEEL expression starting with '='`);
    this.checkFeel(node.id, inputCollection, 'inputCollection');
    const outputElementText = str(z, 'outputElement');
    const outputElement = outputElementText ? expressionOf(outputElementText) : undefined;
    if (outputElement) this.checkFeel(node.id, outputElement, 'outputElement');
    const completion = str(child(loop, 'completionCondition'), 'body');
    const completionExpr = completion ? expressionOf(completion) : undefined;
    if (completionExpr) this.checkFeel(node.id, completionExpr, 'completionCondition');
    node.multiInstance = {
      sequential: loop.isSequential === true,
      inputCollection,
      inputElement: str(z, 'inputElement'),
      outputCollection: str(z, 'outputCollection'),
      outputElement,
      completionCondition: completionExpr?.kind === 'feel' ? completionExpr.source : undefined,
    };
  }

  private compileCalledDecision(el: ModdleElement, node: FlowNode): void {
    const called = extension(el, 'zeebe:CalledDecision');
    const decisionId = str(called, 'decisionId') ?? '';
    const resultVariable = str(called, 'resultVariable') ?? '';
    if (decisionId.trim() === '')
      this.problem('called-decision', node.id, 'zeebe:calledDecision must have a decisionId');
    if (resultVariable.trim() === '')
      this.problem('called-decision', node.id, 'zeebe:calledDecision must have a resultVariable');
    const expr = expressionOf(decisionId);
    this.checkFeel(node.id, expr, 'decisionId');
    node.calledDecision = { decisionId: expr, resultVariable };
  }

  private compileScript(el: ModdleElement, node: FlowNode): void {
    const script = extension(el, 'zeebe:Script');
    const text = str(script, 'expression') ?? '';
    const resultVariable = str(script, 'resultVariable') ?? '';
    const expression = expressionOf(text);
    if (expression.kind !== 'feel')
      this.problem(
        'script',
        node.id,
        `zeebe:script expression must be a FEEL expression starting with '=', got '${text}'`,
      );
    else this.checkFeel(node.id, expression, 'script expression');
    if (resultVariable.trim() === '') this.problem('script', node.id, 'zeebe:script must have a resultVariable');
    node.script = { expression, resultVariable };
  }

  private compileCalledElement(el: ModdleElement, node: FlowNode): void {
    const called = extension(el, 'zeebe:CalledElement');
    const processId = str(called, 'processId');
    if (!processId || processId.trim() === '') {
      this.problem('called-element', node.id, 'call activity must have a zeebe:calledElement with a processId');
      return;
    }
    node.calledProcessId = expressionOf(processId);
    if (node.calledProcessId.kind === 'feel') this.checkFeel(node.id, node.calledProcessId, 'processId');
    node.propagateAllChildVariables = called?.propagateAllChildVariables !== false;
    node.propagateAllParentVariables = called?.propagateAllParentVariables !== false;
  }

  private compileIoMapping(el: ModdleElement, node: FlowNode): void {
    const io = extension(el, 'zeebe:IoMapping');
    const read = (key: string): Mapping[] =>
      children(io, key).map((p) => {
        const source = expressionOf(str(p, 'source') ?? '=null');
        const target = str(p, 'target') ?? '';
        if (!/^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)*$/.test(target))
          this.problem('io-mapping', node.id, `mapping target '${target}' is not a variable name or path`);
        if (source.kind === 'feel') this.checkFeel(node.id, source, `mapping to '${target}'`);
        return { source, target };
      });
    node.inputs = read('inputParameters');
    node.outputs = read('outputParameters');
  }

  private eventDefinition(el: ModdleElement): EventDefinition {
    const defs = children(el, 'eventDefinitions');
    const id = el.id ?? '';
    if (defs.length > 1) this.problem('event-definition', id, 'an event may have at most one event definition');
    const def = defs[0];
    if (!def) return { kind: 'none' };
    // Zeebe has no compensation start events (event subprocesses are not compensation handlers).
    const compensationStart = def.$type === 'bpmn:CompensateEventDefinition' && el.$type === 'bpmn:StartEvent';
    if (!SUPPORTED_DEFINITIONS.has(def.$type) || compensationStart) {
      this.unsupportedEvents.add(id);
      this.problem(
        'unsupported-event',
        id,
        `${unsupportedFeature(el.$type, def.$type)} are not supported by procos-engine`,
      );
      return { kind: 'none' };
    }
    switch (def.$type) {
      case 'bpmn:MessageEventDefinition':
        // Zeebe runs message throw and end events as jobs (zeebe:taskDefinition); the message is documentation.
        if (THROW_TYPES.has(el.$type)) return { kind: 'message', messageName: { kind: 'static', value: '' } };
        return this.messageDefinition(el, def);
      case 'bpmn:LinkEventDefinition': {
        const linkName = str(def, 'name') ?? '';
        if (linkName.trim() === '') this.problem('link', id, 'link event must have a name');
        return { kind: 'link', linkName };
      }
      case 'bpmn:CompensateEventDefinition': {
        if (def.waitForCompletion === false)
          this.problem(
            'compensation',
            id,
            'compensation throw events always wait for their handlers (waitForCompletion must not be false)',
          );
        return { kind: 'compensation', activityRef: child(def, 'activityRef')?.id };
      }
      case 'bpmn:EscalationEventDefinition': {
        const ref = child(def, 'escalationRef');
        const escalationCode = ref?.id ? this.refs.escalationCodes.get(ref.id) : undefined;
        if (THROW_TYPES.has(el.$type) && !escalationCode)
          this.problem(
            'escalation-code',
            id,
            'escalation throw event must reference a bpmn:escalation with an escalationCode',
          );
        return { kind: 'escalation', escalationCode: escalationCode || undefined };
      }
      case 'bpmn:TimerEventDefinition':
        return this.timerDefinition(id, def);
      case 'bpmn:ErrorEventDefinition': {
        const errorRef = child(def, 'errorRef');
        const errorCode = errorRef?.id ? this.refs.errorCodes.get(errorRef.id) : undefined;
        if (el.$type === 'bpmn:EndEvent' && !errorCode)
          this.problem('error-code', id, 'error end event must reference a bpmn:error with an errorCode');
        return { kind: 'error', errorCode };
      }
      case 'bpmn:TerminateEventDefinition':
        return { kind: 'terminate' };
      case 'bpmn:SignalEventDefinition': {
        const name = str(child(def, 'signalRef'), 'name');
        if (!name) this.problem('signal-name', id, 'signal event must reference a bpmn:signal with a name');
        return { kind: 'signal', signalName: expressionOf(name ?? '') };
      }
      default:
        this.problem('unsupported-event', id, `event definition ${def.$type} is not supported by procos-engine`);
        return { kind: 'none' };
    }
  }

  private messageDefinition(el: ModdleElement, def: ModdleElement): EventDefinition {
    const id = el.id ?? '';
    const message = child(def, 'messageRef');
    const name = str(message, 'name');
    if (!name) {
      this.problem('message-name', id, 'message event must reference a bpmn:message with a name');
      return { kind: 'message', messageName: { kind: 'static', value: '' } };
    }
    const messageName = expressionOf(name);
    if (messageName.kind === 'feel') this.checkFeel(id, messageName, 'message name');
    if (el.$type === 'bpmn:StartEvent' && child(el, '$parent')?.$type === 'bpmn:Process')
      return { kind: 'message', messageName };
    const keyText = str(extension(message ?? el, 'zeebe:Subscription'), 'correlationKey');
    if (!keyText) {
      this.problem('correlation-key', id, `message '${name}' must have a zeebe:subscription correlationKey`);
      return { kind: 'message', messageName };
    }
    const correlationKey = expressionOf(keyText);
    if (correlationKey.kind !== 'feel')
      this.problem('correlation-key', id, `correlationKey '${keyText}' must be a FEEL expression starting with '='`);
    else this.checkFeel(id, correlationKey, 'correlationKey');
    return { kind: 'message', messageName, correlationKey };
  }

  private timerDefinition(id: string, def: ModdleElement): EventDefinition {
    const types = ['timeDuration', 'timeDate', 'timeCycle'] as const;
    const present = types.filter((t) => child(def, t));
    if (present.length !== 1) {
      this.problem('timer', id, 'timer must have exactly one of timeDuration, timeDate or timeCycle');
      return { kind: 'timer', timer: { type: 'duration', expression: { kind: 'static', value: 'PT0S' } } };
    }
    const key = present[0] ?? 'timeDuration';
    const type = key === 'timeDuration' ? 'duration' : key === 'timeDate' ? 'date' : 'cycle';
    const expression = expressionOf(str(child(def, key), 'body') ?? '');
    if (expression.kind === 'feel') this.checkFeel(id, expression, 'timer');
    else {
      const error = timerValueError(type, expression.value);
      if (error) this.problem('timer', id, error);
    }
    return { kind: 'timer', timer: { type, expression } };
  }

  private checkFeel(elementId: string, expr: Expression, what: string): void {
    if (expr.kind !== 'feel') return;
    const error = feelSyntaxError(expr.source);
    if (error) this.problem('feel-syntax', elementId, `${what}: ${error}`);
  }

  private checkEventPlacement(node: FlowNode): void {
    const k = node.event.kind;
    const allowed: Record<ElementKind, EventDefinition['kind'][]> = {
      startEvent: ['none', 'message', 'timer', 'error', 'signal', 'escalation'],
      endEvent: ['none', 'error', 'terminate', 'signal', 'escalation', 'message', 'compensation'],
      intermediateCatchEvent: ['message', 'timer', 'signal', 'link'],
      intermediateThrowEvent: ['none', 'signal', 'link', 'escalation', 'message', 'compensation'],
      boundaryEvent: ['error', 'timer', 'message', 'signal', 'escalation', 'compensation'],
      receiveTask: ['message'],
      userTask: ['none'],
      serviceTask: ['none'],
      businessRuleTask: ['none'],
      scriptTask: ['none'],
      passThroughTask: ['none'],
      exclusiveGateway: ['none'],
      parallelGateway: ['none'],
      inclusiveGateway: ['none'],
      eventBasedGateway: ['none'],
      subProcess: ['none'],
      adHocSubProcess: ['none'],
      callActivity: ['none'],
    };
    if (!allowed[node.kind].includes(k) && !this.unsupportedEvents.has(node.id)) {
      this.problem('event-definition', node.id, `${node.bpmnType} with a ${k} event definition is not supported`);
    }
  }

  /** Rules that need the whole scope: start events, gateways, flows. */
  private checkScope(scopeId: string, isProcess: boolean): void {
    const nodes = this.scopeNodes.get(scopeId) ?? [];
    const starts = nodes.filter((n) => n.kind === 'startEvent');
    if (isProcess && starts.length === 0)
      this.problem('start-event', scopeId, 'process must have at least one start event');
    if (isProcess && starts.filter((s) => s.event.kind === 'none').length > 1)
      this.problem('start-event', scopeId, 'process must have at most one none start event');
    const eventSubprocess = !isProcess && this.model.elements.get(scopeId)?.triggeredByEvent === true;
    const adHoc = this.model.elements.get(scopeId)?.kind === 'adHocSubProcess';
    if (adHoc) this.checkAdHoc(scopeId, nodes);
    else if (!isProcess && !eventSubprocess && (starts.length !== 1 || starts[0]?.event.kind !== 'none')) {
      this.problem('start-event', scopeId, 'embedded subprocess must have exactly one none start event');
    }
    if (eventSubprocess && (starts.length !== 1 || starts[0]?.event.kind === 'none')) {
      this.problem(
        'start-event',
        scopeId,
        'event subprocess must have exactly one start event with a message, timer, signal, error or escalation definition',
      );
    }
    if (eventSubprocess && starts[0]?.event.kind === 'error' && starts[0].interrupting === false) {
      this.problem(
        'start-event',
        starts[0].id,
        'an error start event always interrupts (isInterrupting must not be false)',
      );
    }
    if (!eventSubprocess)
      for (const s of starts.filter((s) => s.event.kind === 'escalation'))
        this.problem('start-event', s.id, 'an escalation start event is only allowed in an event subprocess');
    this.checkLinks(nodes);
    this.checkCompensation(nodes);
    for (const n of nodes) {
      if (n.kind === 'startEvent' && n.incoming.length > 0)
        this.problem('start-event', n.id, 'start event must not have incoming sequence flows');
      if (n.kind === 'boundaryEvent' && n.incoming.length > 0)
        this.problem('boundary-event', n.id, 'boundary event must not have incoming sequence flows');
      if (n.kind === 'endEvent' && n.outgoing.length > 0)
        this.problem('end-event', n.id, 'end event must not have outgoing sequence flows');
      if (CONDITIONAL_GATEWAYS.includes(n.kind)) this.checkConditionalGateway(n);
      if (n.kind === 'eventBasedGateway') this.checkEventBasedGateway(n);
      if (!CONDITIONAL_GATEWAYS.includes(n.kind)) {
        for (const f of n.outgoing) {
          if (this.model.flows.get(f)?.condition !== undefined) {
            this.problem(
              'condition-expression',
              f,
              `conditional sequence flow from ${n.bpmnType} is not supported; use an exclusive or inclusive gateway`,
            );
          }
        }
      }
      if (n.kind === 'boundaryEvent' && n.attachedTo) {
        const host = this.model.elements.get(n.attachedTo);
        if (!host || !ACTIVITY_KINDS.includes(host.kind) || host.triggeredByEvent) {
          this.problem(
            'boundary-attached',
            n.id,
            `boundary event must be attached to an activity, not '${n.attachedTo}'`,
          );
        }
      }
      const scopeOf = (flowId: string): string | undefined =>
        this.model.elements.get(this.model.flows.get(flowId)?.target ?? '')?.scopeId;
      for (const f of n.outgoing)
        if (scopeOf(f) !== n.scopeId)
          this.problem('sequence-flow-ref', f, 'sequence flow must connect elements of the same (sub)process');
    }
  }

  private checkEventBasedGateway(n: FlowNode): void {
    const targets = n.outgoing.map((f) => this.model.elements.get(this.model.flows.get(f)?.target ?? ''));
    if (targets.length < 2)
      this.problem('event-based-gateway', n.id, 'event-based gateway must have at least two outgoing sequence flows');
    for (const t of targets) {
      if (t && (t.kind !== 'intermediateCatchEvent' || t.incoming.length !== 1)) {
        this.problem(
          'event-based-gateway',
          t.id,
          `event-based gateway '${n.id}' may only lead to intermediate catch events (message, timer, signal) with no other incoming flow`,
        );
      }
    }
  }

  /**
   * Compensation: a boundary event is associated with a handler (isForCompensation) of its scope;
   * handlers and compensation boundary events have no sequence flows; a throw's activityRef names
   * an activity of its scope that has a compensation boundary event.
   */
  private checkCompensation(nodes: FlowNode[]): void {
    const compensable = new Set<string>();
    for (const n of nodes) {
      if (n.kind === 'boundaryEvent' && n.event.kind === 'compensation') {
        this.model.hasCompensation = true;
        if (n.attachedTo) compensable.add(n.attachedTo);
        const handler = this.model.elements.get(n.compensationHandler ?? '');
        if (!handler?.isForCompensation || handler.scopeId !== n.scopeId)
          this.problem(
            'compensation',
            n.id,
            'compensation boundary event must be associated with a compensation handler (an activity with isForCompensation="true") in the same scope',
          );
        if (n.outgoing.length)
          this.problem('compensation', n.id, 'compensation boundary event must not have outgoing sequence flows');
      }
      if (n.isForCompensation && (n.incoming.length || n.outgoing.length))
        this.problem('compensation', n.id, 'compensation handler must not have incoming or outgoing sequence flows');
    }
    for (const n of nodes) {
      const ref = n.event.kind === 'compensation' && n.kind !== 'boundaryEvent' ? n.event.activityRef : undefined;
      if (ref && !compensable.has(ref))
        this.problem(
          'compensation',
          n.id,
          `activityRef '${ref}' must name an activity of this scope with a compensation boundary event`,
        );
    }
  }

  /** Ad-hoc subprocesses have at least one activity and neither start nor end events (Zeebe's rules). */
  private checkAdHoc(scopeId: string, nodes: FlowNode[]): void {
    for (const n of nodes)
      if (n.kind === 'startEvent' || n.kind === 'endEvent')
        this.problem(
          'ad-hoc',
          n.id,
          `an ad-hoc subprocess must not have ${n.kind === 'endEvent' ? 'end' : 'start'} events`,
        );
    if (!nodes.some((n) => ACTIVITY_KINDS.includes(n.kind)))
      this.problem('ad-hoc', scopeId, 'an ad-hoc subprocess must have at least one activity');
  }

  /** Link events: every throw continues at the one catch event of its name in the same scope. */
  private checkLinks(nodes: FlowNode[]): void {
    const catches = new Map<string, FlowNode>();
    for (const n of nodes) {
      if (n.kind !== 'intermediateCatchEvent' || n.event.kind !== 'link') continue;
      if (catches.has(n.event.linkName))
        this.problem('link', n.id, `link catch event name '${n.event.linkName}' is used twice in this scope`);
      catches.set(n.event.linkName, n);
      if (n.incoming.length > 0) this.problem('link', n.id, 'link catch event must not have incoming sequence flows');
    }
    for (const n of nodes) {
      if (n.kind !== 'intermediateThrowEvent' || n.event.kind !== 'link') continue;
      const target = catches.get(n.event.linkName);
      if (!target) this.problem('link', n.id, `no link catch event named '${n.event.linkName}' in the same scope`);
      else n.linkTarget = target.id;
      if (n.outgoing.length > 0) this.problem('link', n.id, 'link throw event must not have outgoing sequence flows');
    }
  }

  private checkConditionalGateway(n: FlowNode): void {
    if (n.defaultFlow && !n.outgoing.includes(n.defaultFlow))
      this.problem('default-flow', n.id, `default flow '${n.defaultFlow}' must be an outgoing flow of the gateway`);
    if (n.outgoing.length <= 1) return;
    for (const f of n.outgoing) {
      const flow = this.model.flows.get(f);
      if (f === n.defaultFlow) {
        if (flow?.condition !== undefined)
          this.problem('default-flow', f, 'the default flow must not have a condition');
      } else if (flow?.condition === undefined) {
        this.problem(
          'condition-expression',
          f,
          `sequence flow from ${n.kind === 'inclusiveGateway' ? 'inclusive' : 'exclusive'} gateway '${n.id}' must have a condition unless it is the default flow`,
        );
      }
    }
  }
}

/** Why Zeebe does not run this listener on this element (the Camunda docs' limitations), if it does not. */
function listenerRefusal(
  kind: ElementKind | 'process',
  event: EventDefinition['kind'],
  eventType: 'start' | 'end',
): string | undefined {
  if (eventType === 'start' && (kind === 'startEvent' || kind === 'boundaryEvent'))
    return `start execution listeners are not supported on ${kind === 'startEvent' ? 'start' : 'boundary'} events; use the start listeners of the (sub)process or of the activity`;
  if (eventType === 'end' && (kind.endsWith('Gateway') || (kind === 'endEvent' && event === 'error')))
    return `end execution listeners are not supported on ${kind === 'endEvent' ? 'error end events; put them on the error catch event' : 'gateways; use start listeners of the element after the gateway'}`;
  return undefined;
}

function listIn<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
