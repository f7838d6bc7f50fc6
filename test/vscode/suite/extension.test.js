// @ts-check
/**
 * The extension inside a real VS Code extension host, against fake exchanges the runner started
 * (their URLs are in the workspace settings; the control endpoint in .candlewire-e2e.json).
 * The tests run in order and share one extension instance, like a user's session.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
/** @type {{ control: string }} */
const e2e = JSON.parse(fs.readFileSync(path.join(folder, '.candlewire-e2e.json'), 'utf8'));

/**
 * @template T
 * @param {string} what
 * @param {() => T | undefined | false | Promise<T | undefined | false>} probe
 * @param {number} [ms]
 * @returns {Promise<T>}
 */
async function until(what, probe, ms = 30_000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** @param {{ exchange?: string, market?: string, action: 'drop' | 'refuse' | 'accept' }} fault */
async function fault(fault) {
  const res = await fetch(`${e2e.control}/fault`, { method: 'POST', body: JSON.stringify(fault) });
  assert.equal(res.status, 200, await res.text());
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sidecar processes started by this extension host (by their --parent-pid), from /proc. */
function ownSidecars() {
  if (!fs.existsSync('/proc')) return [];
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (cmd.includes('sidecar.js') && cmd.includes(`--parent-pid ${process.pid} `)) found.push(Number(pid));
  }
  return found;
}

describe('Candlewire in a real VS Code extension host', function () {
  this.timeout(90_000);
  /** @type {any} */
  let api;
  /** @type {{ exchange: string, displayName: string, market: 'spot', symbol: string }} */
  let target;
  /** The same instrument's unified spelling (BTC/USDT). */
  let unified = '';
  /** @type {string} */
  let key;

  it('activates', async () => {
    const ext = vscode.extensions.getExtension('candlewire.candlewire');
    assert.ok(ext, 'extension candlewire.candlewire is installed');
    api = await ext.activate();
    assert.equal(ext.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['addSubscription', 'removeSubscription', 'openChart', 'restartSidecar', 'showLogs', 'copyPythonSnippet']) assert.ok(commands.includes(`candlewire.${c}`), c);
  });

  it('spawns the sidecar, healthy, speaking to the fake exchanges', async () => {
    const state = await api.whenSettled();
    assert.equal(state.phase, 'running', state.failure);
    assert.ok(alive(state.pid));
    assert.deepEqual(ownSidecars(), [state.pid]);
    /** @type {Array<{ id: string, displayName: string, markets: Array<{ market: string, enabled: boolean }> }>} */
    const exchanges = await api.request('exchanges.list');
    const ex = exchanges.find((e) => e.markets.some((m) => m.market === 'spot' && m.enabled));
    assert.ok(ex, 'an enabled spot market');
    /** @type {Array<{ symbol: string, unified: string }>} */
    const instruments = await api.request('instruments.list', { exchange: ex.id, market: 'spot', limit: 5 });
    // The fakes list their own few symbols (the real exchanges list hundreds): proof of the URL settings.
    assert.ok(instruments.length > 0 && instruments.length < 5, JSON.stringify(instruments));
    target = { exchange: ex.id, displayName: ex.displayName, market: 'spot', symbol: instruments[0].symbol };
    unified = instruments[0].unified;
    const bar = api.statusBar();
    assert.equal(bar.severity, 'ok');
    assert.equal(bar.text, '$(pulse) Candlewire');
    assert.equal(bar.visible, true);
  });

  it('adds a subscription through command arguments and shows it live', async () => {
    const result = await vscode.commands.executeCommand('candlewire.addSubscription', { ...target, channel: 'kline', interval: '1m' });
    assert.equal(result.ok, true, result.error);
    key = result.key;
    const entry = await until('a price for the subscription', () => api.subscriptions().find((e) => e.key === key && e.lastPrice !== undefined));
    assert.equal(entry.state, 'active');
    await until('the status bar to count the connection', () => api.statusBar().text === '$(pulse) 1/1');
    const tree = api.tree();
    assert.equal(tree.length, 1);
    assert.equal(tree[0].label, target.displayName);
    const sub = tree[0].children[0].children[0];
    assert.equal(sub.label, `${target.symbol} · kline · 1m`);
    assert.match(sub.description, /^\d/);
    const again = await vscode.commands.executeCommand('candlewire.addSubscription', { ...target, channel: 'kline', interval: '1m' });
    assert.equal(again.existed, true);
    // Another spelling of the same stream is recognised by the sidecar's key, not listed twice.
    const spelled = await vscode.commands.executeCommand('candlewire.addSubscription', { ...target, symbol: unified, channel: 'kline', interval: '1m' });
    assert.deepEqual([spelled.ok, spelled.existed, spelled.key], [true, true, key]);
    assert.equal(api.subscriptions().length, 1);
    const bad = await vscode.commands.executeCommand('candlewire.addSubscription', { ...target, market: 'futures' });
    assert.equal(bad.ok, false);
    assert.match(bad.error, /market: expected spot or perp/);
  });

  it('shares its sidecar with other programs over the local socket', async function () {
    const dir = process.env.CANDLEWIRE_RUNTIME_DIR;
    if (!dir || process.platform === 'win32') this.skip();
    const file = path.join(dir, 'sidecar.json');
    const info = await until('the connection file', () => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')));
    assert.equal(info.pid, api.state().pid);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    // A second client (what a Python strategy does) sees this window's subscription.
    const net = require('node:net');
    const status = await new Promise((resolve, reject) => {
      const sock = net.connect(info.path);
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString();
        const line = buf.split('\n').find((l) => l.includes('"id":1'));
        if (line) {
          sock.end();
          resolve(JSON.parse(line).result);
        }
      });
      sock.on('error', reject);
      sock.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status.get' }) + '\n');
    });
    assert.ok(status.connections.some((c) => c.exchange === target.exchange && c.state === 'open'), JSON.stringify(status.connections));
  });

  it('turns the status bar to a warning while the exchange is gone, and back to healthy', async () => {
    await fault({ exchange: target.exchange, market: 'spot', action: 'refuse' });
    await fault({ exchange: target.exchange, market: 'spot', action: 'drop' });
    const warning = await until('a warning', () => {
      const s = api.statusBar();
      return s.severity !== 'ok' && s;
    });
    assert.equal(warning.background, warning.severity === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    assert.ok(warning.text.includes(target.displayName), warning.text);
    assert.match(warning.text, /reconnecting|error|connecting/);
    assert.match(warning.tooltip, /\| Exchange \|/);
    const inTree = api.tree()[0].children[0].children[0];
    assert.ok(['reconnecting', 'down'].includes(inTree.state), inTree.state);
    await fault({ exchange: target.exchange, market: 'spot', action: 'accept' });
    const healthy = await until('healthy again', () => {
      const s = api.statusBar();
      return s.text === '$(pulse) 1/1' && s.severity === 'ok' && s;
    }, 60_000);
    assert.equal(healthy.background, undefined);
  });

  it('applies the status bar setting live, without restarting the sidecar', async () => {
    const pid = api.state().pid;
    const config = vscode.workspace.getConfiguration('candlewire');
    await config.update('statusBar.visible', false, vscode.ConfigurationTarget.Workspace);
    await until('the item hidden', () => api.statusBar().visible === false, 5000);
    await config.update('statusBar.visible', undefined, vscode.ConfigurationTarget.Workspace);
    await until('the item shown', () => api.statusBar().visible === true, 5000);
    assert.equal(api.state().pid, pid);
  });

  it('restarts the sidecar when a setting that shapes it changes', async () => {
    const config = vscode.workspace.getConfiguration('candlewire');
    /** @param {number} pid */
    const restartedFrom = (pid) => until(`a sidecar other than ${pid}`, () => api.state().phase === 'running' && api.state().pid !== pid && api.state().pid);
    const pid1 = api.state().pid;
    await config.update('cache.maxBars', 500, vscode.ConfigurationTarget.Workspace);
    const pid2 = await restartedFrom(pid1);
    assert.equal(alive(pid1), false);
    await until('the subscription back', () => api.subscriptions().find((e) => e.key === key && e.state === 'active'));
    await config.update('cache.maxBars', undefined, vscode.ConfigurationTarget.Workspace);
    await restartedFrom(pid2);
    await until('the subscription back again', () => api.subscriptions().find((e) => e.key === key && e.state === 'active'));
  });

  it('Restart Sidecar starts a new process and restores the subscriptions', async () => {
    const old = api.state().pid;
    const before = Date.now();
    const ok = await vscode.commands.executeCommand('candlewire.restartSidecar');
    assert.equal(ok, true);
    const pid = api.state().pid;
    assert.notEqual(pid, old);
    assert.equal(alive(old), false);
    assert.deepEqual(ownSidecars(), [pid]);
    await until('fresh data after the restart', () => api.subscriptions().find((e) => e.key === key && e.state === 'active' && e.lastTime > before));
  });

  it('opens a chart for the subscription', async () => {
    const tabs = () => vscode.window.tabGroups.all.reduce((n, g) => n + g.tabs.length, 0);
    const n = tabs();
    await vscode.commands.executeCommand('candlewire.openChart', { ...target, interval: '1m' });
    await until('a new tab', () => tabs() > n, 15_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('copies a Python snippet for the subscription', async () => {
    const text = await vscode.commands.executeCommand('candlewire.copyPythonSnippet', { key });
    assert.match(text, /Client\.connect\(/);
    assert.ok(text.includes(`"${target.symbol}"`));
  });

  it('removes the subscription', async () => {
    const n = await vscode.commands.executeCommand('candlewire.removeSubscription', { key });
    assert.equal(n, 1);
    assert.equal(api.subscriptions().length, 0);
    assert.deepEqual(api.tree(), []);
  });

  it('stops cleanly the way deactivate does, leaving no process behind', async () => {
    const pid = api.state().pid;
    await api.stop();
    assert.equal(alive(pid), false);
    assert.deepEqual(ownSidecars(), []);
    assert.equal(api.state().phase, 'stopped');
    assert.equal(api.statusBar().severity, 'error');
    // Commands now say the sidecar is down instead of failing.
    const r = await vscode.commands.executeCommand('candlewire.addSubscription', { ...target });
    assert.equal(r.ok, false);
    assert.match(r.error, /not running/);
  });
});
