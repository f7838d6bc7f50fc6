/**
 * NDJSON framing for JSON-RPC: one message per line, over any Node stream pair (stdio, sockets,
 * in-memory PassThrough in tests). Knows nothing of JSON-RPC itself.
 *
 * Reading works on bytes, not text: a UTF-8 multi-byte sequence never contains the newline byte,
 * so splitting on 0x0A first and decoding whole lines afterwards cannot cut a character in half,
 * however the chunks fall. Memory is bounded by the line limit: an oversized line is reported
 * once and then skipped up to its newline without being kept.
 */
import type { Readable, Writable } from 'node:stream';

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Default limit of one line, in bytes, excluding its line terminator. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

export interface LineSplitterOptions {
  /** Called for every complete, non-empty line, without its `\n` or `\r\n`. */
  onLine(line: string): void;
  /**
   * Called once per line longer than `maxLineBytes`, with the number of bytes seen when the limit
   * was crossed (not the line's full length: the rest is skipped unread). The next line is delivered normally.
   */
  onOversize?(bytes: number): void;
  /** Longest accepted line in bytes, excluding the terminator. Default 1 MiB. */
  maxLineBytes?: number;
}

/**
 * Splits a byte stream into lines (sans-IO: feed it chunks). Callbacks run synchronously inside
 * `push`/`end` and must not throw; `stop()` from inside a callback is safe.
 */
export class LineSplitter {
  private readonly max: number;
  /** Bytes of the incomplete line, in arrival order. */
  private pieces: Buffer[] = [];
  private pending = 0;
  /** Inside an oversized line: everything up to the next newline is dropped. */
  private discarding = false;
  private atStart = true;
  private stopped = false;

  constructor(private readonly options: LineSplitterOptions) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`);
    this.max = max;
  }

  /** Bytes currently held for the incomplete line; never more than `maxLineBytes + 1` (a pending `\r`). */
  get bufferedBytes(): number {
    return this.pending;
  }

  /** Feeds one chunk. Strings are taken as UTF-8. */
  push(chunk: Uint8Array | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buf.length && !this.stopped) {
      const nl = buf.indexOf(NEWLINE, start);
      if (this.discarding) {
        if (nl === -1) return;
        this.discarding = false;
        start = nl + 1;
        continue;
      }
      if (nl === -1) {
        this.keepPartial(buf, start);
        return;
      }
      this.completeLine(buf, start, nl);
      start = nl + 1;
    }
  }

  /** End of input: an unterminated last line is still delivered (unless it was oversized). */
  end(): void {
    if (this.stopped) return;
    if (!this.discarding && this.pending > 0) {
      const line = Buffer.concat(this.pieces, this.pending);
      this.reset();
      const len = line[line.length - 1] === CR ? line.length - 1 : line.length;
      this.deliver(line.toString('utf8', 0, len));
    }
    this.reset();
    this.discarding = false;
  }

  /** Delivers nothing more and drops what is buffered. */
  stop(): void {
    this.stopped = true;
    this.reset();
  }

  private keepPartial(buf: Buffer, start: number): void {
    const total = this.pending + (buf.length - start);
    // A trailing \r may be the first half of \r\n, so one byte over the limit is not yet proof.
    const allowance = buf[buf.length - 1] === CR ? 1 : 0;
    if (total > this.max + allowance) {
      this.oversize(total);
      return;
    }
    // Copy a tail so it does not pin the whole chunk it was cut from.
    this.pieces.push(start === 0 ? buf : Buffer.from(buf.subarray(start)));
    this.pending = total;
  }

  private completeLine(buf: Buffer, start: number, nl: number): void {
    const total = this.pending + (nl - start);
    const lastByte = nl > start ? buf[nl - 1] : this.lastPendingByte();
    const len = lastByte === CR ? total - 1 : total;
    if (len > this.max) {
      this.oversize(total);
      this.discarding = false; // the line ended right here
      return;
    }
    let line: string;
    if (this.pending === 0) {
      line = buf.toString('utf8', start, start + len);
    } else {
      this.pieces.push(buf.subarray(start, nl));
      line = Buffer.concat(this.pieces, total).toString('utf8', 0, len);
      this.reset();
    }
    this.deliver(line);
  }

  private deliver(text: string): void {
    let line = text;
    if (this.atStart) {
      this.atStart = false;
      // Some Windows tools prefix piped text with a byte-order mark.
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (line.length > 0) this.options.onLine(line);
  }

  private lastPendingByte(): number | undefined {
    const last = this.pieces[this.pieces.length - 1];
    return last === undefined ? undefined : last[last.length - 1];
  }

  private oversize(bytes: number): void {
    this.reset();
    this.atStart = false;
    this.discarding = true;
    this.options.onOversize?.(bytes);
  }

  private reset(): void {
    this.pieces = [];
    this.pending = 0;
  }
}

export interface LineReaderOptions extends LineSplitterOptions {
  /** Called once when the input ends, closes or fails (after any last line). Not called after `stop()`. */
  onEnd?(): void;
  /** A stream error; `onEnd` follows. Without it the error is absorbed here, never thrown. */
  onError?(error: Error): void;
}

/** Reads lines from a Readable (e.g. process.stdin or a socket) until it ends or `stop()` is called. */
export class LineReader {
  private readonly splitter: LineSplitter;
  private finished = false;

  constructor(
    private readonly input: Readable,
    private readonly options: LineReaderOptions,
  ) {
    this.splitter = new LineSplitter(options);
    input.on('data', this.onData);
    input.once('end', this.onInputEnd);
    input.once('close', this.finish);
    input.on('error', this.onInputError);
    // A stream that ended before we attached will not emit again.
    if (input.readableEnded || input.destroyed) queueMicrotask(this.finish);
  }

  /** Bytes held for an incomplete line (bounded by `maxLineBytes + 1`). */
  get bufferedBytes(): number {
    return this.splitter.bufferedBytes;
  }

  /** Stops reading: no more callbacks. Pauses the input; the caller owns (and destroys) the stream. */
  stop(): void {
    if (this.finished) return;
    this.finished = true;
    this.splitter.stop();
    this.detach();
    this.input.pause();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    this.splitter.push(chunk);
  };

  private readonly onInputEnd = (): void => {
    if (this.finished) return;
    this.splitter.end();
    this.finish();
  };

  private readonly onInputError = (error: Error): void => {
    if (this.finished) return;
    this.options.onError?.(error);
    this.finish();
  };

  private readonly finish = (): void => {
    if (this.finished) return;
    this.finished = true;
    this.splitter.stop();
    this.detach();
    this.options.onEnd?.();
  };

  private detach(): void {
    this.input.off('data', this.onData);
    this.input.off('end', this.onInputEnd);
    this.input.off('close', this.finish);
    this.input.off('error', this.onInputError);
    // Keep absorbing errors: an 'error' with no listener would crash the process.
    this.input.on('error', ignore);
  }
}

function ignore(): void {}

export interface LineWriterOptions {
  /** A stream error (e.g. EPIPE when the reader went away). The writer then reports `closed`. */
  onError?(error: Error): void;
}

/**
 * Writes one JSON message per line. It never queues on its own and never applies a policy:
 * `write` returns false when the stream is above its high-water mark (or closed), and the caller
 * decides what to do (see OutboundQueue) and may wait with `onceDrain`.
 */
export class LineWriter {
  private failed = false;

  constructor(
    private readonly output: Writable,
    private readonly options: LineWriterOptions = {},
  ) {
    output.on('error', this.onOutputError);
  }

  /**
   * Serializes and writes one message. Returns false when the stream's buffer is at or above its
   * high-water mark (the message was still accepted) or when the stream is closed (the message was
   * dropped; `closed` tells which). Never throws on a closed stream; throws a TypeError only for a
   * value JSON cannot represent (a programming error: BigInt, a cycle, undefined).
   */
  write(message: unknown): boolean {
    let text: string | undefined;
    try {
      text = JSON.stringify(message);
    } catch (err) {
      throw new TypeError(`cannot serialize message as JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (text === undefined) throw new TypeError(`cannot serialize ${typeof message} as JSON`);
    return this.writeText(text);
  }

  /** Writes one pre-serialized line (without its newline). Throws a TypeError if it contains a newline. */
  writeLine(line: string): boolean {
    if (line.includes('\n')) throw new TypeError('a line must not contain a newline');
    return this.writeText(line);
  }

  /** Calls `cb` once the stream has drained. Never called if the stream closes first. */
  onceDrain(cb: () => void): void {
    if (this.closed) return;
    if (!this.output.writableNeedDrain) {
      // The drain already happened (or was never needed): do not wait for one that will not come.
      queueMicrotask(cb);
      return;
    }
    this.output.once('drain', cb);
  }

  /** Bytes accepted but not yet flushed by the stream (its `writableLength`). */
  get bufferedBytes(): number {
    return this.output.writableLength;
  }

  /** Same as `bufferedBytes`, under the stream's own name. */
  get writableLength(): number {
    return this.output.writableLength;
  }

  get highWaterMark(): number {
    return this.output.writableHighWaterMark;
  }

  /** True between a `false` from `write` and the next 'drain'. */
  get needsDrain(): boolean {
    return this.output.writableNeedDrain;
  }

  /** The stream can no longer be written (ended, destroyed or failed). */
  get closed(): boolean {
    return this.failed || !this.output.writable || this.output.destroyed || this.output.writableEnded;
  }

  private writeText(text: string): boolean {
    if (this.closed) return false;
    try {
      return this.output.write(`${text}\n`);
    } catch (err) {
      // Some stream implementations throw synchronously after close instead of emitting 'error'.
      this.onOutputError(err instanceof Error ? err : new Error(String(err)));
      return false;
    }
  }

  private readonly onOutputError = (error: Error): void => {
    this.failed = true;
    this.options.onError?.(error);
  };
}
