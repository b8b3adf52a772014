// bpmn-moddle's package exports no types for its main entry; this is the part we call.
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(packages?: Record<string, object>);
    /** `options` are copied onto moddle-xml's Reader for this parse. */
    fromXML(xml: string, typeName?: string, options?: object): Promise<unknown>;
  }
}
