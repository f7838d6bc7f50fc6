// @ts-check
/**
 * Entry point VS Code loads as `extensionTestsPath`: runs the Mocha suite inside the extension
 * host (code-server here, @vscode/test-electron on a desktop) and reports through console.log,
 * which the extension host forwards to the workbench. Results also go to
 * `<workspace>/.candlewire-e2e-results.json` so the runner does not depend on the console.
 */
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

/** One line per test, in a form that survives the trip through the browser console. */
class LineReporter {
  /** @param {Mocha.Runner} runner */
  constructor(runner) {
    const stats = { passed: 0, failed: 0, skipped: 0, failures: /** @type {string[]} */ ([]) };
    this.stats = stats;
    runner.on('pass', (t) => {
      stats.passed++;
      console.log(`  ✓ ${t.fullTitle()} (${t.duration ?? 0} ms)`);
    });
    runner.on('fail', (t, err) => {
      stats.failed++;
      const msg = `${t.fullTitle()}: ${err && err.stack ? err.stack : String(err)}`;
      stats.failures.push(msg);
      console.log(`  ✗ ${msg}`);
    });
    runner.on('pending', (t) => {
      stats.skipped++;
      console.log(`  - ${t.fullTitle()} (skipped)`);
    });
    runner.once('end', () => {
      console.log(`extension host: ${stats.passed} passed, ${stats.failed} failed, ${stats.skipped} skipped`);
      const vscode = require('vscode');
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      if (folder) fs.writeFileSync(path.join(folder, '.candlewire-e2e-results.json'), JSON.stringify(stats, null, 2));
    });
  }
}

/** @returns {Promise<void>} */
exports.run = function run() {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: /** @type {any} */ (LineReporter) });
  const dir = path.join(__dirname, 'suite');
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
};
