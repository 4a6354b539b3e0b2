/**
 * The logging port: structured messages with a small field bag. Adapters map it to Powertools (Lambda),
 * pino-style JSON or the console. Must never receive secrets: callers log ids, never keys or tokens.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** For callers that were given no logger (and for tests that do not assert on logs). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
