/**
 * REST GET on node:http/https (not global fetch: an `agent` is how proxies plug in), with size
 * and time limits, and a retrying wrapper that honours the exchange's rate-limit answers.
 * Failures are values (HttpError), never thrown, except by the text fetcher made for the pager.
 */
import http, { type Agent, type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { proxyOfAgent } from '../net/proxy';
import { Backoff, type BackoffOptions } from './backoff';

export interface HttpGetOptions {
  agent?: Agent;
  /** Whole-request deadline. Default 15 000 ms. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Largest accepted (decompressed) body. Default 50 MB. */
  maxBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A failed GET: transport failure (no status) or a non-2xx answer. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly url: string;
  readonly status: number | undefined;
  /** The start of the response body, when there was one. */
  readonly body: string | undefined;
  /** What the server's Retry-After asked for, in ms. */
  readonly retryAfterMs: number | undefined;
  /** Worth trying again (429, 418, 5xx, network errors and timeouts). */
  readonly retryable: boolean;

  constructor(
    message: string,
    fields: { url: string; status?: number; body?: string; retryAfterMs?: number; retryable: boolean },
  ) {
    super(message);
    this.url = fields.url;
    this.status = fields.status;
    this.body = fields.body;
    this.retryAfterMs = fields.retryAfterMs;
    this.retryable = fields.retryable;
  }
}

export const HTTP_DEFAULTS = {
  timeoutMs: 15_000,
  maxBytes: 50 * 1024 * 1024,
  maxAttempts: 5,
  maxRetryAfterMs: 120_000,
} as const;

const BODY_EXCERPT_CHARS = 300;

/** One GET. Resolves with any status; an HttpError only for transport failures and limits. */
export function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpResponse | HttpError> {
  const timeoutMs = options.timeoutMs ?? HTTP_DEFAULTS.timeoutMs;
  const maxBytes = options.maxBytes ?? HTTP_DEFAULTS.maxBytes;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve(new HttpError(`invalid URL ${JSON.stringify(url)}: expected http://… or https://…`, { url, retryable: false }));
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return Promise.resolve(new HttpError(`unsupported URL scheme in ${url}: expected http: or https:`, { url, retryable: false }));
  }
  const client = parsed.protocol === 'https:' ? https : http;

  return new Promise((resolve) => {
    let done = false;
    const finish = (result: HttpResponse | HttpError): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    // A failure through a proxy names it, unless the proxy agent's message already does.
    const proxy = proxyOfAgent(options.agent);
    const fail = (message: string, retryable: boolean): void => {
      const via = proxy !== undefined && !/\bproxy\b/i.test(message) ? ` (through proxy ${proxy})` : '';
      finish(new HttpError(`GET ${url} failed: ${message}${via}`, { url, retryable }));
      req.destroy();
    };

    const req = client.get(
      parsed,
      {
        ...(options.agent ? { agent: options.agent } : {}),
        headers: { 'accept-encoding': 'gzip, deflate, br', accept: 'application/json', ...options.headers },
      },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          fail(`response of ${declared} bytes exceeds the ${maxBytes}-byte limit`, false);
          return;
        }
        let body: Readable = res;
        const encoding = res.headers['content-encoding'];
        if (encoding === 'gzip' || encoding === 'x-gzip') body = res.pipe(zlib.createGunzip());
        else if (encoding === 'deflate') body = res.pipe(zlib.createInflate());
        else if (encoding === 'br') body = res.pipe(zlib.createBrotliDecompress());
        const chunks: Buffer[] = [];
        let size = 0;
        body.on('data', (chunk: Buffer) => {
          if (done) return;
          size += chunk.length;
          if (size > maxBytes) {
            fail(`response exceeds the ${maxBytes}-byte limit`, false);
            return;
          }
          chunks.push(chunk);
        });
        body.on('end', () =>
          finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        body.on('error', (error) => fail(`reading the response: ${error.message}`, true));
        if (body !== res) res.on('error', (error) => fail(`reading the response: ${error.message}`, true));
      },
    );
    req.on('error', (error) => fail(error.message, true));
    const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`, true), timeoutMs);
  });
}

/** Retry-After as ms from `now`: delta-seconds or an HTTP date; undefined when absent or invalid. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** 429 (rate limited), 418 (an IP ban some exchanges answer after ignored 429s) and 5xx are worth retrying. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 418 || status >= 500;
}

/** The HttpError for a non-2xx response, naming the URL, the status and the body. */
export function statusError(url: string, response: HttpResponse, describe?: (body: string) => string | undefined, now: number = Date.now()): HttpError {
  let friendly: string | undefined;
  try {
    friendly = describe?.(response.body);
  } catch {
    friendly = undefined;
  }
  const excerpt = response.body.slice(0, BODY_EXCERPT_CHARS);
  const more = response.body.length > BODY_EXCERPT_CHARS ? '…' : '';
  const message =
    `GET ${url} returned HTTP ${response.status}` +
    (friendly ? `: ${friendly}` : '') +
    (excerpt ? ` (body: ${excerpt}${more})` : ' (empty body)');
  return new HttpError(message, {
    url,
    status: response.status,
    body: excerpt,
    retryAfterMs: parseRetryAfter(response.headers['retry-after'], now),
    retryable: isRetryableStatus(response.status),
  });
}

/** What onRetry is told before each wait; `String(notice)` is a ready log line. */
export class RetryNotice {
  constructor(
    readonly url: string,
    /** The attempt that just failed (1-based). */
    readonly attempt: number,
    readonly delayMs: number,
    /** True when the delay is the server's Retry-After. */
    readonly fromRetryAfter: boolean,
    readonly error: HttpError,
  ) {}

  toString(): string {
    const why = this.error.status !== undefined ? `HTTP ${this.error.status}` : this.error.message;
    const source = this.fromRetryAfter ? ' as Retry-After asks' : '';
    return `attempt ${this.attempt} failed (${why}); retrying in ${this.delayMs} ms${source}`;
  }
}

export interface RetryOptions extends HttpGetOptions {
  /** Requests in total, the first included. Default 5. */
  maxAttempts?: number;
  /** Backoff between attempts without Retry-After (full jitter, base 500 ms, cap 30 s). */
  backoff?: BackoffOptions;
  /** A Retry-After longer than this is not waited for: the error is returned. Default 120 000 ms. */
  maxRetryAfterMs?: number;
  /** A user-readable message from an error body (RestProtocol.errorMessage). */
  describe?: (body: string) => string | undefined;
  onRetry?: (notice: RetryNotice) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * GET with retries on 429, 418, 5xx and network errors, waiting exactly what Retry-After asks
 * when present (never less: retrying early is how a rate limit becomes an IP ban). Resolves with
 * a 2xx response or an HttpError; other 4xx answers are returned at once.
 */
export async function getWithRetry(url: string, options: RetryOptions = {}): Promise<HttpResponse | HttpError> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? HTTP_DEFAULTS.maxAttempts);
  const maxRetryAfterMs = options.maxRetryAfterMs ?? HTTP_DEFAULTS.maxRetryAfterMs;
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const backoff = new Backoff(options.backoff);
  for (let attempt = 1; ; attempt++) {
    const result = await httpGet(url, options);
    let error: HttpError;
    if (result instanceof HttpError) error = result;
    else if (result.status >= 200 && result.status < 300) return result;
    else error = statusError(url, result, options.describe, now());
    if (!error.retryable) return error;
    if (attempt >= maxAttempts) return withMessage(error, `${error.message}; gave up after ${attempt} attempts`);
    const asked = error.retryAfterMs;
    if (asked !== undefined && asked > maxRetryAfterMs) {
      return withMessage(error, `${error.message}; the server asks to wait ${Math.ceil(asked / 1000)} s (Retry-After), longer than the ${Math.round(maxRetryAfterMs / 1000)} s limit`);
    }
    const delayMs = asked ?? backoff.next(now()).delayMs;
    options.onRetry?.(new RetryNotice(url, attempt, delayMs, asked !== undefined, error));
    await sleep(delayMs);
  }
}

function withMessage(error: HttpError, message: string): HttpError {
  return new HttpError(message, {
    url: error.url,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.body !== undefined ? { body: error.body } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    retryable: error.retryable,
  });
}

/**
 * A `(url, describe?) → body` function for the kline pager and the hub: getWithRetry whose
 * HttpError is thrown, because those callers work with promises of text.
 */
export function createTextFetcher(options: RetryOptions = {}): (url: string, describe?: (body: string) => string | undefined) => Promise<string> {
  return async (url, describe) => {
    const result = await getWithRetry(url, describe ? { ...options, describe } : options);
    if (result instanceof HttpError) throw result;
    return result.body;
  };
}
