import { pino, type Logger } from 'pino';

/** Root logger of a binary; components take child loggers with their context. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level });
}

export type { Logger };
