// A worker's or the engine's log line (pino JSON) as people read it; `procos logs` and
// `kubectl procos logs` show lines the same way.

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** A pino line for people: `12:00:01.234 info  serving  pool=hello`; other lines as they are. */
export function humanLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof o.time !== 'number') return line;
  const { time, level, msg, pid: _pid, hostname: _host, name: _name, ...rest } = o;
  const context = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const text = typeof msg === 'string' ? msg : JSON.stringify(msg ?? '');
  return `${new Date(time).toISOString().slice(11, 23)} ${(LEVELS[level as number] ?? JSON.stringify(level)).padEnd(5)} ${text}${context ? `  ${context}` : ''}`;
}
