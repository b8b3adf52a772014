export { compileBpmn, MAX_SUBPROCESS_DEPTH, USER_TASK_JOB_TYPE, type CompiledDefinitions } from './compile.js';
export { formatProblem, InvalidBpmnError, type BpmnProblem } from './bpmn-problem.js';
export * from './model.js';
export { parseDuration, parseDate, parseCycle } from './timer.js';
