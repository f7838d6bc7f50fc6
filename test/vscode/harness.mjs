// Shared by scripts/vscode-e2e.mjs (code-server) and test/vscode/run-desktop.mjs (@vscode/test-electron):
// the fake exchanges and a workspace whose settings point the extension at them.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Bundles test/vscode/fakes.ts into `runDir`, starts it, and resolves with what it prints:
 * `{ exchanges: { <id>: { enabled, spot_ws_url, … } }, control: 'http://127.0.0.1:PORT' }`.
 * Pushes its stop function onto `cleanups`.
 */
export async function startFakes(runDir, cleanups) {
  const { build } = await import('esbuild');
  const out = join(runDir, 'fakes.js');
  await build({
    entryPoints: [join(ROOT, 'test', 'vscode', 'fakes.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    logLevel: 'warning',
    external: ['bufferutil', 'utf-8-validate'],
  });
  const child = spawn(process.execPath, [out], { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanups.push(() => {
    child.stdin.end();
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
  const line = await new Promise((res, rej) => {
    createInterface({ input: child.stdout }).once('line', res);
    child.once('exit', (code) => rej(new Error(`the fake exchanges exited with ${code}`)));
  });
  return JSON.parse(line);
}

/** `spot_ws_url` → `spotWsUrl` (the extension's setting names). */
const camel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** Creates `<runDir>/workspace` with .vscode/settings.json for the fakes; returns its path. */
export function writeWorkspace(runDir, fakes) {
  const folder = join(runDir, 'workspace');
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const settings = {};
  // Every exchange the manifest has a setting for; those without a fake are switched off, so
  // nothing here can reach the internet.
  const ids = Object.keys(pkg.contributes.configuration.properties)
    .map((k) => /^candlewire\.exchanges\.([^.]+)\.enabled$/.exec(k)?.[1])
    .filter(Boolean);
  for (const id of ids) {
    const fake = fakes.exchanges[id];
    if (!fake) {
      settings[`candlewire.exchanges.${id}.enabled`] = false;
      continue;
    }
    for (const [key, value] of Object.entries(fake)) if (key !== 'enabled') settings[`candlewire.exchanges.${id}.${camel(key)}`] = value;
  }
  writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  writeFileSync(join(folder, '.candlewire-e2e.json'), JSON.stringify({ control: fakes.control }));
  return folder;
}
