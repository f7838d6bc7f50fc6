import { PassThrough, Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineReader, LineSplitter, LineWriter } from '../../sidecar/rpc/ndjson';

/** Collects what a splitter reports. */
function collect(maxLineBytes?: number) {
  const lines: string[] = [];
  const oversize: number[] = [];
  const splitter = new LineSplitter({ maxLineBytes, onLine: (l) => lines.push(l), onOversize: (b) => oversize.push(b) });
  return { splitter, lines, oversize };
}

/** Splits `bytes` at the given cut points (sorted, de-duplicated, inside the buffer). */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.filter((p) => p > 0 && p < bytes.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of at) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('LineSplitter', () => {
  it('joins lines split across chunks and splits chunks holding several lines', () => {
    const { splitter, lines } = collect();
    for (const chunk of ['{"a":', '1}\n{"b"', ':2}\n{"c":3}\n{"d":', '4}', '\n']) splitter.push(chunk);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}']);
    expect(splitter.bufferedBytes).toBe(0);
  });

  it('keeps multi-byte UTF-8 characters intact wherever a chunk boundary falls', () => {
    const text = '{"s":"€ 😀 日本 ü"}\n{"t":"ok"}\n';
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 1; i < bytes.length; i++) {
      const { splitter, lines } = collect();
      for (const chunk of cut(bytes, [i])) splitter.push(chunk);
      expect(lines).toEqual(['{"s":"€ 😀 日本 ü"}', '{"t":"ok"}']);
    }
    // One byte at a time, the worst case.
    const { splitter, lines } = collect();
    for (const b of bytes) splitter.push(Uint8Array.of(b));
    expect(lines).toEqual(['{"s":"€ 😀 日本 ü"}', '{"t":"ok"}']);
  });

  it('handles \\r\\n, also when \\r and \\n arrive in different chunks, and ignores empty lines', () => {
    const { splitter, lines } = collect();
    for (const chunk of ['one\r\n', '\r\n', '\n', 'two\r', '\nthree\n\n']) splitter.push(chunk);
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('strips a byte-order mark at the start of the stream only', () => {
    const { splitter, lines } = collect();
    splitter.push('\uFEFF{"a":1}\n\uFEFFx\n');
    expect(lines).toEqual(['{"a":1}', '\uFEFFx']);
  });

  it('delivers an unterminated last line at end of input', () => {
    const { splitter, lines } = collect();
    splitter.push('a\nb');
    expect(lines).toEqual(['a']);
    splitter.end();
    expect(lines).toEqual(['a', 'b']);
  });

  it('accepts a line of exactly the limit, also with \\r\\n split between chunks', () => {
    const { splitter, lines, oversize } = collect(8);
    splitter.push('12345678\r');
    expect(splitter.bufferedBytes).toBe(9);
    splitter.push('\nabcdefgh\n');
    expect(lines).toEqual(['12345678', 'abcdefgh']);
    expect(oversize).toEqual([]);
  });

  it('reports an oversized line once, discards it and delivers the next line', () => {
    const { splitter, lines, oversize } = collect(10);
    splitter.push('ok1\n0123456789ABC');
    splitter.push('more garbage');
    splitter.push('still garbage\nok2\n');
    expect(oversize).toEqual([13]);
    expect(lines).toEqual(['ok1', 'ok2']);
    // Oversized and complete within one chunk.
    splitter.push('0123456789ABCDEF\nok3\n');
    expect(oversize).toEqual([13, 16]);
    expect(lines).toEqual(['ok1', 'ok2', 'ok3']);
  });

  it('stops delivering as soon as stop() is called from a callback', () => {
    const lines: string[] = [];
    const splitter: LineSplitter = new LineSplitter({
      onLine: (l) => {
        lines.push(l);
        splitter.stop();
      },
    });
    splitter.push('a\nb\nc\n');
    splitter.end();
    expect(lines).toEqual(['a']);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => new LineSplitter({ onLine: () => {}, maxLineBytes: 0 })).toThrow(RangeError);
  });

  it('yields the same lines however the bytes are chunked (property)', () => {
    const lineArb = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ''));
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 10 }), fc.array(fc.nat(400)), fc.boolean(), (input, points, crlf) => {
        const bytes = Buffer.from(input.map((l) => l + (crlf ? '\r\n' : '\n')).join(''), 'utf8');
        const { splitter, lines } = collect();
        for (const chunk of cut(bytes, points)) splitter.push(chunk);
        splitter.end();
        expect(lines).toEqual(input.filter((l) => l !== ''));
      }),
      { numRuns: 300 },
    );
  });
});

describe('LineReader over a stream', () => {
  it('reads lines from a PassThrough and calls onEnd once, after the last line', async () => {
    const input = new PassThrough();
    const events: string[] = [];
    new LineReader(input, { onLine: (l) => events.push(`line ${l}`), onEnd: () => events.push('end') });
    input.write('{"id":1}\n{"id"');
    input.write(':2}\r\n{"id":3}');
    input.end();
    await tick();
    expect(events).toEqual(['line {"id":1}', 'line {"id":2}', 'line {"id":3}', 'end']);
  });

  it('keeps memory bounded: 20 MB without a newline never buffers more than the limit', async () => {
    const max = 64 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    const chunks = Array.from({ length: 320 }, () => chunk); // 20 MiB
    const input = Readable.from([...chunks, Buffer.from('\n{"after":true}\n')], { objectMode: false });
    const lines: string[] = [];
    const oversize: number[] = [];
    let peak = 0;
    let dataEvents = 0;
    let ended = false;
    const reader = new LineReader(input, {
      maxLineBytes: max,
      onLine: (l) => lines.push(l),
      onOversize: (b) => oversize.push(b),
      onEnd: () => (ended = true),
    });
    // Registered after the reader's own listener, so it observes the state after each chunk.
    input.on('data', () => {
      dataEvents++;
      peak = Math.max(peak, reader.bufferedBytes);
    });
    while (!ended) await tick();
    expect(dataEvents).toBeGreaterThanOrEqual(321);
    expect(peak).toBeLessThanOrEqual(max);
    expect(oversize).toHaveLength(1);
    expect(oversize[0]).toBeGreaterThan(max);
    expect(lines).toEqual(['{"after":true}']);
  });

  it('survives a stream error: onError then onEnd, nothing thrown', async () => {
    const input = new PassThrough();
    const events: string[] = [];
    new LineReader(input, { onLine: () => {}, onError: (e) => events.push(`error ${e.message}`), onEnd: () => events.push('end') });
    input.destroy(new Error('boom'));
    await tick();
    expect(events).toEqual(['error boom', 'end']);
  });

  it('stop() detaches: no more lines and no onEnd', async () => {
    const input = new PassThrough();
    const events: string[] = [];
    const reader = new LineReader(input, { onLine: (l) => events.push(l), onEnd: () => events.push('end') });
    input.write('a\n');
    await tick();
    reader.stop();
    input.write('b\n');
    input.end();
    input.destroy(new Error('late error must not crash'));
    await tick();
    expect(events).toEqual(['a']);
  });
});

describe('LineWriter', () => {
  it('writes one JSON message per line', async () => {
    const out = new PassThrough();
    const writer = new LineWriter(out);
    writer.write({ jsonrpc: '2.0', method: 'kline', params: { text: 'a\nb' } });
    writer.write([1, 2]);
    writer.writeLine('{"raw":true}');
    out.end();
    const text = (await out.toArray()).join('');
    expect(text.split('\n')).toEqual(['{"jsonrpc":"2.0","method":"kline","params":{"text":"a\\nb"}}', '[1,2]', '{"raw":true}', '']);
  });

  it('signals backpressure above the high-water mark and reports drain', async () => {
    const out = new PassThrough({ highWaterMark: 64 });
    const writer = new LineWriter(out);
    expect(writer.highWaterMark).toBe(64);
    const results: boolean[] = [];
    for (let i = 0; i < 10; i++) results.push(writer.write({ i, pad: 'xxxxxxxxxxxxxxxxxxxx' }));
    expect(results[0]).toBe(true);
    expect(results.at(-1)).toBe(false);
    expect(writer.needsDrain).toBe(true);
    expect(writer.bufferedBytes).toBeGreaterThanOrEqual(64);
    expect(writer.writableLength).toBe(writer.bufferedBytes);
    expect(writer.closed).toBe(false);

    let drained = 0;
    writer.onceDrain(() => drained++);
    const received: string[] = [];
    out.on('data', (c: Buffer) => received.push(c.toString()));
    while (drained === 0) await tick();
    expect(drained).toBe(1);
    expect(writer.needsDrain).toBe(false);
    const lines = received.join('').split('\n').filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('never throws on a closed stream: write returns false', async () => {
    const ended = new PassThrough();
    const w1 = new LineWriter(ended);
    ended.end();
    expect(w1.closed).toBe(true);
    expect(w1.write({ a: 1 })).toBe(false);

    const destroyed = new PassThrough();
    const errors: string[] = [];
    const w2 = new LineWriter(destroyed, { onError: (e) => errors.push(e.message) });
    destroyed.destroy(new Error('EPIPE'));
    await tick();
    expect(errors).toEqual(['EPIPE']);
    expect(w2.closed).toBe(true);
    expect(w2.write({ a: 1 })).toBe(false);
    expect(w2.writeLine('x')).toBe(false);
  });

  it('refuses values JSON cannot represent and lines that would break framing', () => {
    const writer = new LineWriter(new PassThrough());
    expect(() => writer.write({ n: 1n })).toThrow(TypeError);
    expect(() => writer.write(undefined)).toThrow(TypeError);
    expect(() => writer.writeLine('a\nb')).toThrow(TypeError);
  });
});
