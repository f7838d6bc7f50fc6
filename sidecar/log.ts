/**
 * Logging to stderr only: stdout carries protocol messages exclusively. One line per entry so
 * the VS Code extension can pipe it into its log channel line by line.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  level: LogLevel;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const logger: Logger = {
    level,
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
  };
  function emit(l: LogLevel, msg: string) {
    if (rank[l] > rank[logger.level]) return;
    write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${msg}\n`);
  }
  return logger;
}

/** Lets a noisy source (malformed frames at 1000/s) log the first few, then a count now and then. */
export function throttled(log: (msg: string) => void, everyMs = 10_000, burst = 5): (msg: string) => void {
  let windowStart = 0;
  let inWindow = 0;
  let suppressed = 0;
  return (msg) => {
    const now = Date.now();
    if (now - windowStart > everyMs) {
      if (suppressed > 0) log(`(${suppressed} similar messages suppressed)`);
      windowStart = now;
      inWindow = 0;
      suppressed = 0;
    }
    if (inWindow++ < burst) log(msg);
    else suppressed++;
  };
}
