/**
 * What went wrong with a proxy, in words a user can act on. The proxy agents throw a ProxyError
 * built here instead of the libraries' own messages ("connect ECONNREFUSED 127.0.0.1:3128",
 * "Socks5 Authentication failed", or an HTTP 407 replayed as if the exchange had sent it), so
 * every connection status and REST error names the proxy and what it did. Pure; never throws.
 */
import { describeProxy } from './proxy-url';

export type ProxyFailure =
  /** Nothing listens at the proxy's address, or it reset the connection at once. */
  | 'refused'
  /** The proxy's host name does not resolve, or the network cannot reach it. */
  | 'unreachable'
  /** The proxy wants credentials, or refused the ones given. */
  | 'auth'
  /** The proxy reached no destination: it refused to tunnel there, or the destination refused. */
  | 'target'
  /** Anything else: a broken handshake, TLS to the proxy, a timeout. */
  | 'protocol';

/** A failure at the proxy (not at the exchange); `proxy` is the URL with its password masked. */
export class ProxyError extends Error {
  override readonly name = 'ProxyError';

  constructor(
    message: string,
    readonly proxy: string,
    readonly target: string,
    readonly failure: ProxyFailure,
    /** The library error this replaces, if any (kept for debugging, never shown). */
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

export type ProxyKind = 'http' | 'socks5';

/** Which handshake a proxy URL speaks: SOCKS5 for socks5:// and socks5h://, else HTTP CONNECT. */
export function proxyKind(url: string): ProxyKind {
  return /^socks/i.test(url) ? 'socks5' : 'http';
}

function label(kind: ProxyKind, shown: string): string {
  return kind === 'socks5' ? `SOCKS5 proxy ${shown}` : `proxy ${shown}`;
}

function credentialsOf(url: string): { user: string | undefined } {
  try {
    const u = new URL(url);
    return { user: u.username !== '' || u.password !== '' ? decodeURIComponent(u.username) : undefined };
  } catch {
    return { user: undefined };
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Explains an error thrown while connecting through the proxy `url` to `target` (`host:port`).
 * Knows Node's socket error codes and the `socks` library's messages; anything else is passed
 * through behind the proxy's name.
 */
export function explainProxyError(url: string, target: string, error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  const kind = proxyKind(url);
  const shown = describeProxy(url);
  const who = label(kind, shown);
  const { user } = credentialsOf(url);
  const text = errorMessage(error);
  const code = errorCode(error) ?? /\b(E[A-Z]{4,}|EAI_AGAIN)\b/.exec(text)?.[1];
  const make = (message: string, failure: ProxyFailure) => new ProxyError(message, shown, target, failure, error);

  switch (code) {
    case 'ECONNREFUSED':
      return make(`${who} refused the connection (is it running, and is the port right?)`, 'refused');
    case 'ECONNRESET':
    case 'EPIPE':
      return make(`${who} closed the connection before the tunnel to ${target} was open`, 'protocol');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make(`${who}: its host name does not resolve (${code})`, 'unreachable');
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return make(`${who} is unreachable (${code})`, 'unreachable');
    default:
      break;
  }

  if (kind === 'socks5') {
    if (/authentication failed/i.test(text)) {
      return make(`${who} rejected the credentials${user !== undefined ? ` of user ${JSON.stringify(user)}` : ''}`, 'auth');
    }
    if (/no accepted authentication type/i.test(text)) {
      return make(
        user === undefined
          ? `${who} requires a user name and password: put them in the proxy URL (socks5h://user:password@host:port)`
          : `${who} accepts none of the authentication methods offered (user name and password, or none)`,
        'auth',
      );
    }
    const rejected = /rejected connection - (\w+)/i.exec(text);
    if (rejected) return make(`${who} could not connect to ${target} (${rejected[1]})`, 'target');
    if (/timed out/i.test(text)) return make(`${who} did not complete the handshake in time`, 'protocol');
    if (/socket closed/i.test(text)) return make(`${who} closed the connection during the handshake`, 'protocol');
  }
  return make(`${who}: ${text}`, 'protocol');
}

/** Explains an HTTP proxy's answer other than 200 to `CONNECT target`. */
export function explainConnectStatus(url: string, target: string, status: number, statusText?: string): ProxyError {
  const shown = describeProxy(url);
  const who = label('http', shown);
  const { user } = credentialsOf(url);
  const answered = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  const make = (message: string, failure: ProxyFailure) => new ProxyError(message, shown, target, failure);
  // Some proxies (tinyproxy) answer bad credentials with 401 rather than 407.
  if (status === 407 || status === 401) {
    return user === undefined
      ? make(`${who} requires authentication (${answered}): put the user name and password in the proxy URL (http://user:password@host:port)`, 'auth')
      : make(`${who} rejected the credentials of user ${JSON.stringify(user)} (${answered})`, 'auth');
  }
  if (status === 403) return make(`${who} refused to open a tunnel to ${target} (${answered}); check its allowed ports`, 'target');
  if (status >= 500) return make(`${who} could not connect to ${target} (${answered})`, 'target');
  return make(`${who} answered CONNECT ${target} with ${answered}`, 'protocol');
}
