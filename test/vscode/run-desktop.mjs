#!/usr/bin/env node
// `npm run test:vscode:desktop`: the same Mocha suite as scripts/vscode-e2e.mjs, in a desktop VS Code
// downloaded by @vscode/test-electron (needs access to update.code.visualstudio.com — not
// available on the offline CI machines, where code-server is used instead).
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { ROOT, startFakes, writeWorkspace } from './harness.mjs';

const cleanups = [];
const runDir = mkdtempSync(join(tmpdir(), 'candlewire-desktop-'));
let code = 1;
try {
  const fakes = await startFakes(runDir, cleanups);
  const folder = writeWorkspace(runDir, fakes);
  await runTests({
    version: process.env.CANDLEWIRE_VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: join(ROOT, 'test', 'vscode', 'index.js'),
    extensionTestsEnv: { CANDLEWIRE_RUNTIME_DIR: join(runDir, 'runtime') },
    launchArgs: [folder, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', `--user-data-dir=${join(runDir, 'user-data')}`],
  });
  code = 0;
} catch (err) {
  console.error(`desktop VS Code tests failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  const results = join(runDir, 'workspace', '.candlewire-e2e-results.json');
  const r = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : { passed: 0, failed: 1, skipped: 0 };
  for (const c of cleanups.reverse()) await c();
  rmSync(runDir, { recursive: true, force: true });
  console.log(`${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
}
process.exit(code);
