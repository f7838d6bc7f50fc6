/** Loopback addresses: the only hosts the WebSocket transport binds to without --ws-host. */
import { isIP } from 'node:net';

/** True for localhost, 127.0.0.0/8, ::1 and IPv4-mapped 127.x. Pure. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0*:)*:?0*1$/.test(h) || h.startsWith('::ffff:127.');
  return false;
}

/** A host as it goes into a URL (IPv6 in brackets; the unspecified address → 127.0.0.1). Pure. */
export function urlHost(host: string): string {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  if (h === '0.0.0.0' || h === '::') return '127.0.0.1';
  return isIP(h) === 6 ? `[${h}]` : h;
}
