/**
 * Structured logger for long-running processes (the local plane and the ingest container): JSON lines
 * in the cloud, readable `time LEVEL message key=value` lines locally. Stream keys are redacted from
 * every message and field as a last line of defence; callers must still never pass one in.
 */
import type { Logger } from '../core/ports/logger';
import { redactStreamKeys } from '../core/streams/stream-key';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface ConsoleLoggerOptions {
  level?: LogLevel;
  format?: 'json' | 'text';
  /** Fixed fields on every line (service name, task id). */
  base?: Record<string, unknown>;
  write?: (line: string) => void;
}

export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger & { child(fields: Record<string, unknown>): Logger } {
  const min = ORDER[options.level ?? 'info'];
  const format = options.format ?? 'text';
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const base = options.base ?? {};

  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const all = { ...base, ...fields };
    const time = new Date().toISOString();
    let line: string;
    if (format === 'json') {
      line = JSON.stringify({ time, level, message, ...all }, errorReplacer);
    } else {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v, errorReplacer)}`)
        .join(' ');
      line = `${time} ${level.toUpperCase().padEnd(5)} ${message}${extra ? ' ' + extra : ''}`;
    }
    write(redactStreamKeys(line));
  };

  const make = (extraBase: Record<string, unknown>): Logger & { child(fields: Record<string, unknown>): Logger } => ({
    debug: (m, f) => emit('debug', m, { ...extraBase, ...f }),
    info: (m, f) => emit('info', m, { ...extraBase, ...f }),
    warn: (m, f) => emit('warn', m, { ...extraBase, ...f }),
    error: (m, f) => emit('error', m, { ...extraBase, ...f }),
    child: (fields) => make({ ...extraBase, ...fields }),
  });
  return make({});
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...('code' in value ? { code: (value as { code: unknown }).code } : {}) };
  return value;
}
