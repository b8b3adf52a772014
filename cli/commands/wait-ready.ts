// Waiting for the running system to have reconciled an object: its status is for the spec we
// wrote (observedGeneration caught up with generation) and says Ready one way or the other.
import { CommandError, EXIT } from './command.js';
import { conditionOf, type Condition, type LocalSystem } from './local-system.js';

export async function waitUntilReady(
  system: LocalSystem,
  name: string,
  timeoutMs: number,
  kind = 'ProcOSProcess',
  isOurs: (spec: unknown) => boolean = () => true,
): Promise<Condition> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const o = system.objects().find((x) => x.kind === kind && x.metadata.name === name);
    const observed = (o?.status as { observedGeneration?: number } | undefined)?.observedGeneration;
    const ready = o && conditionOf(o, 'Ready');
    if (o && isOurs(o.spec) && observed === o.metadata.generation && ready && ready.status !== 'Unknown') return ready;
    if (Date.now() > deadline)
      throw new CommandError(
        `${kind} ${name} was not reconciled within ${timeoutMs / 1000} s${ready ? ` (last: ${ready.reason}: ${ready.message})` : ''}: is procos up watching its folder?`,
        EXIT.failed,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
