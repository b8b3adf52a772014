// A process whose embedded subprocesses nest `depth` levels deep, a service task innermost.
// Built by code because the depth is the point; each level is the same three elements.

export function nestedSubprocesses(depth: number, jobType = 'nested.work'): string {
  let inner = `<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="${jobType}" /></bpmn:extensionElements></bpmn:serviceTask>`;
  let innerId = 'work';
  for (let level = depth; level >= 1; level--) {
    const id = `sub-${level}`;
    inner = [
      `<bpmn:subProcess id="${id}">`,
      `<bpmn:startEvent id="${id}-start" />`,
      inner,
      `<bpmn:endEvent id="${id}-end" />`,
      `<bpmn:sequenceFlow id="${id}-in" sourceRef="${id}-start" targetRef="${innerId}" />`,
      `<bpmn:sequenceFlow id="${id}-out" sourceRef="${innerId}" targetRef="${id}-end" />`,
      `</bpmn:subProcess>`,
    ].join('\n');
    innerId = id;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="https://procos.io/test">
<bpmn:process id="nested" isExecutable="true">
<bpmn:startEvent id="start" />
${inner}
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="in" sourceRef="start" targetRef="${innerId}" />
<bpmn:sequenceFlow id="out" sourceRef="${innerId}" targetRef="end" />
</bpmn:process>
</bpmn:definitions>
`;
}
