/**
 * The connection file (`<runtime dir>/sidecar.json`, mode 0600) tells clients where a shared
 * sidecar listens, like Jupyter's kernel files:
 *
 *   {"transport":"unix","path":"/run/user/1000/candlewire/sidecar.sock","pid":123,
 *    "version":"0.1.0","started":1763700000000,"ws":{"url":"ws://127.0.0.1:PORT","token":"…"}}
 *
 * `ws` is null without --ws. A file whose pid is dead is stale: clients ignore it and the next
 * sidecar replaces it. It is written atomically (a private temp file renamed over it), so a
 * reader never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const CONNECTION_FILE_NAME = 'sidecar.json';
export const SOCKET_FILE_NAME = 'sidecar.sock';

export const ConnectionInfoSchema = z.object({
  transport: z.enum(['unix', 'pipe']),
  path: z.string().min(1),
  pid: z.number().int().positive(),
  version: z.string(),
  started: z.number().int().nonnegative(),
  ws: z.object({ url: z.string(), token: z.string() }).nullable(),
});
export type ConnectionInfo = z.infer<typeof ConnectionInfoSchema>;

/** The file's text, fields in the documented order. Pure. */
export function connectionFileText(info: ConnectionInfo): string {
  const { transport, path, pid, version, started, ws } = info;
  return JSON.stringify({ transport, path, pid, version, started, ws: ws ? { url: ws.url, token: ws.token } : null }) + '\n';
}

/** Writes the file with mode 0600 via a temp file and rename. Throws on I/O errors. */
export function writeConnectionFile(file: string, info: ConnectionInfo): void {
  const tmp = join(dirname(file), `.${CONNECTION_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // 'wx': never follow or reuse a file someone else put there.
    writeFileSync(tmp, connectionFileText(info), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
}

/** Reads the file: undefined when there is none, an Error when it is unreadable or not a connection file. */
export function readConnectionFile(file: string): ConnectionInfo | Error | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return new Error(`${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = ConnectionInfoSchema.safeParse(json);
  if (!parsed.success) return new Error(`${file} is not a connection file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the file only if it still names `pid` (a successor's file is left alone). Never throws. */
export function removeConnectionFile(file: string, pid: number): boolean {
  const info = readConnectionFile(file);
  if (!info || info instanceof Error || info.pid !== pid) return false;
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}
