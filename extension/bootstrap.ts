/**
 * Finds what the sidecar runs with — VS Code's own Node (`process.execPath` with
 * `ELECTRON_RUN_AS_NODE=1`, like `cp.fork`) or the user's `candlewire.nodePath` — and the bundled
 * `dist/sidecar.js`, and writes the generated config file. Problems come back as Errors that say
 * what to fix.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from './config';
import { sidecarArgs, toConfigDocument, toToml } from './sidecar-config';
import type { LaunchPlan } from './supervisor';

export interface PlanInput {
  context: vscode.ExtensionContext;
  settings: Settings;
  log: vscode.LogOutputChannel;
  /** Exchange ids the sidecar reported last time (settings for others would be rejected). */
  knownExchanges?: readonly string[];
}

/** Generated configs unused this long are deleted (a file in use is touched at every start). */
const STALE_CONFIG_MS = 30 * 24 * 3600_000;

/** Where the generated config goes: named after its content, so windows with different settings never share one. */
function writeConfig(dir: string, toml: string): string {
  mkdirSync(dir, { recursive: true });
  const hash = createHash('sha256').update(toml).digest('hex').slice(0, 12);
  const file = join(dir, `sidecar-${hash}.toml`);
  if (existsSync(file)) {
    const now = new Date();
    utimesSync(file, now, now);
  } else {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, toml, { mode: 0o600 });
    renameSync(tmp, file);
  }
  for (const name of readdirSync(dir)) {
    if (!/^sidecar-[0-9a-f]+\.toml$/.test(name)) continue;
    const path = join(dir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_CONFIG_MS) rmSync(path, { force: true });
    } catch {
      // Another window removed it meanwhile.
    }
  }
  return file;
}

/** The launch plan for the current settings, or what prevents one. */
export function launchPlan({ context, settings, log, knownExchanges }: PlanInput): LaunchPlan | Error {
  const sidecarPath = context.asAbsolutePath(join('dist', 'sidecar.js'));
  if (!existsSync(sidecarPath)) return new Error(vscode.l10n.t('The bundled sidecar is missing ({0}). Reinstall the Candlewire extension.', sidecarPath));
  const env: NodeJS.ProcessEnv = { ...process.env };
  let command = process.execPath;
  if (settings.nodePath) {
    let isFile = false;
    try {
      isFile = statSync(settings.nodePath).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) return new Error(vscode.l10n.t('Setting candlewire.nodePath: "{0}" is not a file. Point it at a Node.js 20+ executable or clear it to use VS Code\'s own runtime.', settings.nodePath));
    command = settings.nodePath;
    delete env.ELECTRON_RUN_AS_NODE;
  } else {
    env.ELECTRON_RUN_AS_NODE = '1';
  }
  const { document, warnings } = toConfigDocument(settings, knownExchanges);
  for (const w of warnings) log.warn(w);
  let configPath: string;
  try {
    configPath = writeConfig(context.globalStorageUri.fsPath, toToml(document));
  } catch (err) {
    return new Error(vscode.l10n.t('Cannot write the sidecar configuration in {0}: {1}', context.globalStorageUri.fsPath, (err as Error).message));
  }
  const args = sidecarArgs({ sidecarPath, configPath, parentPid: process.pid, socket: settings.sharedSocket });
  return { command, args, env, cwd: context.extensionPath };
}
