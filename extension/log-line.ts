/**
 * The sidecar logs to stderr as `<ISO time> <LEVEL> <message>`. The extension forwards each line
 * to a LogOutputChannel, which adds its own timestamp and level: this splits the line so neither
 * appears twice and the channel's level filter works on sidecar lines too.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LogLine {
  level: LogLevel;
  message: string;
}

const LEVELS: Record<string, LogLevel> = { ERROR: 'error', WARN: 'warn', WARNING: 'warn', INFO: 'info', DEBUG: 'debug' };

/** Splits one stderr line; a line in another form (a crash trace, a usage error) is kept whole as an error. */
export function parseLogLine(line: string): LogLine {
  const m = /^\d{4}-\d\d-\d\dT[\d:.]+Z\s+([A-Z]+)\s+(.*)$/.exec(line);
  if (m && LEVELS[m[1]]) return { level: LEVELS[m[1]], message: m[2] };
  return { level: /^\s*(at |\w*Error\b|candlewire:)/.test(line) ? 'error' : 'info', message: line };
}
