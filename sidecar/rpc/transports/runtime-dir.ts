/**
 * The per-user runtime directory that holds the local socket and the connection file:
 * `$CANDLEWIRE_RUNTIME_DIR` if set (tests isolate with it), else `$XDG_RUNTIME_DIR/candlewire`,
 * else `<os.tmpdir()>/candlewire-<uid>`. It must be a directory owned by this user with mode
 * 0700, so that nobody else can reach the socket or read the WebSocket token.
 */
import { chmodSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const RUNTIME_DIR_ENV = 'CANDLEWIRE_RUNTIME_DIR';

export interface RuntimeDirInput {
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /** process.getuid?.() — undefined on Windows. */
  uid: number | undefined;
  /** A name for this user where there is no uid (Windows). */
  user: string;
  tmpdir: string;
}

export interface RuntimeDir {
  dir: string;
  /** Where the choice came from, for messages. */
  source: 'CANDLEWIRE_RUNTIME_DIR' | 'XDG_RUNTIME_DIR' | 'tmpdir';
}

/** Chooses the runtime directory. Pure. */
export function runtimeDirPath(i: RuntimeDirInput): RuntimeDir {
  const own = i.env[RUNTIME_DIR_ENV];
  if (own) return { dir: own, source: 'CANDLEWIRE_RUNTIME_DIR' };
  const xdg = i.env.XDG_RUNTIME_DIR;
  if (xdg && i.platform !== 'win32') return { dir: join(xdg, 'candlewire'), source: 'XDG_RUNTIME_DIR' };
  const who = i.uid !== undefined ? String(i.uid) : i.user.replace(/[^A-Za-z0-9_.-]/g, '_') || 'user';
  return { dir: join(i.tmpdir, `candlewire-${who}`), source: 'tmpdir' };
}

/**
 * Creates the directory (0700) if needed and checks that it is safe to use: a real directory,
 * owned by this user, private. A directory of ours with a looser mode is tightened to 0700.
 * Returns an Error that names the directory and what is wrong.
 */
export function ensureRuntimeDir(rd: RuntimeDir, platform: NodeJS.Platform = process.platform): Error | undefined {
  const { dir } = rd;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    return new Error(`cannot create the runtime directory ${dir} (from ${rd.source}): ${(err as Error).message}`);
  }
  if (platform === 'win32') return undefined; // ACLs, not modes; the pipe lives in the pipe namespace
  try {
    // In a shared temp dir a symlink planted by another user must not redirect us.
    if (rd.source === 'tmpdir' && lstatSync(dir).isSymbolicLink()) return new Error(`the runtime directory ${dir} is a symbolic link; remove it or set ${RUNTIME_DIR_ENV}`);
    const st = statSync(dir);
    if (!st.isDirectory()) return new Error(`the runtime directory ${dir} (from ${rd.source}) is not a directory`);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      return new Error(`the runtime directory ${dir} belongs to uid ${st.uid}, not to this user (uid ${uid}); remove it or set ${RUNTIME_DIR_ENV}`);
    }
    if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  } catch (err) {
    return new Error(`cannot check the runtime directory ${dir}: ${(err as Error).message}`);
  }
  return undefined;
}
