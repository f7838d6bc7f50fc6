#!/usr/bin/env node
// `npm test`: every stage of the test suite, in order, with one combined closing line.
// A stage runs when its files exist; each stage prints its own `N passed, N failed, N skipped`
// line, which is summed into the final one (the form CI reads).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const stages = [
  { name: 'build', cmd: ['node', 'esbuild.mjs'], counts: false },
  { name: 'typecheck sidecar', cmd: ['npx', 'tsc', '--noEmit', '-p', '.'], counts: false },
  { name: 'typecheck extension', when: 'extension/tsconfig.json', cmd: ['npx', 'tsc', '--noEmit', '-p', 'extension'], counts: false },
  { name: 'typecheck webview', when: 'webview/tsconfig.json', cmd: ['npx', 'tsc', '--noEmit', '-p', 'webview'], counts: false },
  { name: 'vitest (unit, integration, browser)', cmd: ['npx', 'vitest', 'run'], counts: true },
  { name: 'fault matrix (smaller)', cmd: ['npx', 'vitest', 'run', '--config', 'vitest.matrix.config.mts'], counts: true },
  { name: 'python client', when: 'python/run_tests.py', cmd: [process.env.CANDLEWIRE_PYTHON ?? 'python3', 'python/run_tests.py'], counts: true },
  { name: 'python client with pandas', when: 'python/run_tests.py', cmd: ['/usr/bin/python3', 'python/run_tests.py', '--require-pandas'], counts: true, optional: 'CANDLEWIRE_SKIP_PANDAS' },
  { name: 'VS Code extension host (code-server)', when: 'scripts/vscode-e2e.mjs', cmd: ['node', 'scripts/vscode-e2e.mjs'], counts: true, optional: 'CANDLEWIRE_SKIP_VSCODE' },
];

const total = { passed: 0, failed: 0, skipped: 0 };
let failedStage;
for (const s of stages) {
  if (s.when && !existsSync(s.when)) continue;
  if (s.optional && process.env[s.optional]) {
    console.log(`\n== ${s.name}: skipped (${s.optional} is set)`);
    continue;
  }
  console.log(`\n== ${s.name}: ${s.cmd.join(' ')}`);
  const { code, out } = await run(s.cmd);
  if (s.counts) {
    const m = [...out.matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/gm)].at(-1);
    if (m) {
      total.passed += Number(m[1]);
      total.failed += Number(m[2]);
      total.skipped += Number(m[3] ?? 0);
    } else if (code === 0) {
      console.log(`(stage printed no "N passed, N failed" line)`);
    }
  }
  if (code !== 0) {
    failedStage = s.name;
    if (!s.counts) total.failed++;
    break;
  }
}
console.log(`\n${failedStage ? `failed stage: ${failedStage}\n` : ''}${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(failedStage ? 1 : 0);

function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d.toString();
      if (out.length > 1_000_000) out = out.slice(-200_000);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
    child.on('error', (err) => resolve({ code: 1, out: String(err) }));
  });
}
