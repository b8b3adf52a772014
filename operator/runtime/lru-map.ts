// A Map that forgets its least recently used entries beyond `max`: the operator's in-memory
// records (compiled BPMN, deploy memos, Event series) stay bounded however many objects exist.
export class LruMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value ?? '');
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
