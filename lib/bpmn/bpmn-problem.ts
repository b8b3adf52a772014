/** One reason a BPMN document cannot be deployed, pointing at the element and its line. */
export interface BpmnProblem {
  rule: string;
  message: string;
  elementId?: string;
  /** 1-based line in the XML. */
  line?: number;
}

export function formatProblem(p: BpmnProblem): string {
  const where = [p.line ? `line ${p.line}` : '', p.elementId ? `element '${p.elementId}'` : '']
    .filter(Boolean)
    .join(', ');
  return `${where ? `${where}: ` : ''}${p.message} [${p.rule}]`;
}

export class InvalidBpmnError extends Error {
  constructor(
    readonly resourceName: string,
    readonly problems: BpmnProblem[],
  ) {
    super(`'${resourceName}' is not a valid BPMN process:\n${problems.map((p) => `- ${formatProblem(p)}`).join('\n')}`);
    this.name = 'InvalidBpmnError';
  }
}
