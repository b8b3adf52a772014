// dmn-moddle ships no types; this is the part we call.
declare module 'dmn-moddle' {
  export class DmnModdle {
    fromXML(xml: string, typeName?: string): Promise<unknown>;
  }
}
