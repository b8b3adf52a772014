export { compileBpmn, MAX_SUBPROCESS_DEPTH, USER_TASK_JOB_TYPE, type CompiledDefinitions } from './compile.js';
export { formatProblem, InvalidBpmnError, type BpmnProblem } from './bpmn-problem.js';
export * from './model.js';
export { parseDuration, parseDate, parseCycle } from './timer.js';
export { lintBpmn, type LintFinding } from './lint.js';
export { diagramGaps, withDiagram } from './layout.js';
export { layoutFiles, type LayoutResult } from './layout-files.js';
