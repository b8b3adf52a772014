// bpmn-moddle's package exports no types for its main entry; this is the part we call.
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(packages?: Record<string, object>);
    fromXML(xml: string, typeName?: string): Promise<unknown>;
  }
}
