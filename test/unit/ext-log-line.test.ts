import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../extension/log-line';

describe('parseLogLine', () => {
  it('splits the sidecar log format into level and message', () => {
    expect(parseLogLine('2026-11-21T13:58:23.929Z INFO  okx:perp:business#1: connecting')).toEqual({ level: 'info', message: 'okx:perp:business#1: connecting' });
    expect(parseLogLine('2026-11-21T13:58:23.929Z WARN  stale')).toEqual({ level: 'warn', message: 'stale' });
    expect(parseLogLine('2026-11-21T13:58:23.929Z ERROR boom')).toEqual({ level: 'error', message: 'boom' });
    expect(parseLogLine('2026-11-21T13:58:23.929Z DEBUG x')).toEqual({ level: 'debug', message: 'x' });
  });

  it('keeps other lines whole; crash traces and usage errors are errors', () => {
    expect(parseLogLine('candlewire: config.toml: bad')).toEqual({ level: 'error', message: 'candlewire: config.toml: bad' });
    expect(parseLogLine('    at main (sidecar.js:1:2)').level).toBe('error');
    expect(parseLogLine('TypeError: x is not a function').level).toBe('error');
    expect(parseLogLine('something else')).toEqual({ level: 'info', message: 'something else' });
  });
});
