// The dispatch table: one behaviour per element kind (Zeebe: one processor per element type).
import type { ElementKind } from '../../../lib/bpmn/index.js';
import type { ElementBehaviour } from '../element-behaviour.js';
import { adHocSubProcess } from './ad-hoc-sub-process.js';
import { businessRuleTask } from './business-rule-task.js';
import { callActivity } from './call-activity.js';
import { completeAtOnce } from './complete-at-once.js';
import { endEvent } from './end-event.js';
import { eventBasedGateway } from './event-based-gateway.js';
import { exclusiveGateway } from './exclusive-gateway.js';
import { inclusiveGateway } from './inclusive-gateway.js';
import { intermediateCatchEvent } from './intermediate-catch-event.js';
import { intermediateThrowEvent } from './intermediate-throw-event.js';
import { parallelGateway } from './parallel-gateway.js';
import { receiveTask } from './receive-task.js';
import { scriptTask } from './script-task.js';
import { serviceTask } from './service-task.js';
import { subProcess } from './sub-process.js';
import { userTask } from './user-task.js';

export { childResult } from './call-activity.js';

export const ELEMENT_BEHAVIOURS: Record<ElementKind, ElementBehaviour> = {
  startEvent: completeAtOnce,
  endEvent,
  serviceTask,
  businessRuleTask,
  scriptTask,
  passThroughTask: completeAtOnce,
  exclusiveGateway,
  parallelGateway,
  inclusiveGateway,
  receiveTask,
  userTask,
  eventBasedGateway,
  intermediateCatchEvent,
  intermediateThrowEvent,
  boundaryEvent: completeAtOnce,
  subProcess,
  adHocSubProcess,
  callActivity,
};
