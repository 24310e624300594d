import { pino, type Logger } from 'pino';

/** Structured JSON logs on stderr (stdout is reserved for CLI output). MESHLOG_LOG_LEVEL wins over config. */
export function createLogger(level?: string): Logger {
  return pino(
    { level: process.env.MESHLOG_LOG_LEVEL ?? level ?? 'info', base: { app: 'meshlog' } },
    pino.destination(2),
  );
}
