/** How a proxy URL may be shown: never with its password. Pure. */

/** The proxy URL without its password (`socks5h://alice:***@host:1080`), for messages and logs. */
export function describeProxy(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
