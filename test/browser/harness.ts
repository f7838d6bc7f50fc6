/**
 * Runs the BUILT chart webview (dist/webview.js + dist/webview.css) in headless Chromium, in the
 * very page the extension serves (extension/chart/html.ts, same CSP), with fake-host.js standing in
 * for VS Code. Files are served from 127.0.0.1; nothing else is reachable.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chartHtml, makeNonce } from '../../extension/chart/html';
import { decodePng, type Image } from './png';

const ROOT = resolve(__dirname, '../..');
export const ARTIFACTS = join(ROOT, 'test/artifacts');
export const CHROMIUM = process.env.CANDLEWIRE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html' };

export interface Harness {
  browser: Browser;
  url: string;
  close(): Promise<void>;
}

/** Starts the file server and Chromium. Fails with an actionable message when something is missing. */
export async function startHarness(): Promise<Harness> {
  for (const f of ['dist/webview.js', 'dist/webview.css']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`node esbuild.mjs\` (npm test builds first)`);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CANDLEWIRE_CHROMIUM`);
  }
  const server = await serve();
  const port = (server.address() as AddressInfo).port;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    browser,
    url: `http://127.0.0.1:${port}/chart.html`,
    close: async () => {
      await browser.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const origin = `http://${req.headers.host}`;
    if (path === '/chart.html') {
      const nonce = makeNonce();
      // The extension's page, with the fake host's script added under the same nonce.
      const html = chartHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/webview.css`, nonce }).replace(
        '<script ',
        `<script nonce="${nonce}" src="${origin}/fake-host.js"></script>\n<script `,
      );
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      return;
    }
    const file = path === '/fake-host.js' ? join(ROOT, 'test/browser/fake-host.js') : /^\/dist\/webview\.(js|css)(\.map)?$/.test(path) ? join(ROOT, path) : '';
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

export interface ChartPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors of the page (playwright's pageerror plus console errors). */
  errors: string[];
  close(): Promise<void>;
}

/** A fresh page (own context: no shared state) at a fixed size, UTC clock, device pixel ratio 1. */
export async function openChartPage(h: Harness, size = { width: 900, height: 520 }): Promise<ChartPage> {
  const context = await h.browser.newContext({ viewport: size, deviceScaleFactor: 1, timezoneId: 'UTC', locale: 'en-US' });
  // Defence in depth: the page may reach nothing but the harness server.
  await context.route('**/*', (route) => (route.request().url().startsWith(new URL(h.url).origin) ? route.continue() : route.abort()));
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(h.url);
  return { context, page, errors, close: () => context.close() };
}

/** Runs `expression` in the page (a string: the tests are type-checked without the DOM library). */
export function run<T = unknown>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/**
 * Polls `expression` until it is truthy. (Playwright's waitForFunction evaluates strings with
 * eval inside the page, which the chart's CSP rightly forbids.)
 */
export async function waitFor(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await run(page, expression)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expression}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Posts one host → webview message. */
export function post(page: Page, message: unknown): Promise<unknown> {
  return run(page, `harness.post(${JSON.stringify(message)})`);
}

/** Waits until two animation frames have passed (lightweight-charts paints in the next frame). */
export function frames(page: Page): Promise<unknown> {
  return run(page, 'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
}

/**
 * Screenshot of `selector` (default: the chart canvas area), decoded, and saved as an artifact.
 * caret 'initial': hiding the caret would inject an inline style, which the page's CSP refuses.
 */
export async function shot(page: Page, name: string, selector = '.chart'): Promise<Image> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const png = await page.locator(selector).screenshot({ path: join(ARTIFACTS, `${name}.png`), caret: 'initial' });
  return decodePng(png);
}

/** Width (css px) of the plot, left of the price axis: the widest canvas of the chart is the pane's. */
export function plotWidth(page: Page): Promise<number> {
  return run(page, `Math.max(...Array.from(document.querySelectorAll('.chart canvas')).map((c) => c.getBoundingClientRect().width))`);
}

/** Hides the DOM legend so pixel comparisons see the canvas only. */
export function hideLegend(page: Page): Promise<unknown> {
  return run(page, `document.querySelector('.legend').style.visibility = 'hidden'`);
}

/** A data attribute of the app root (`bars`, `state`, `lastOpenTime`, …). */
export function appData(page: Page, name: string): Promise<string | undefined> {
  return run(page, `document.querySelector('.app')?.dataset[${JSON.stringify(name)}]`);
}
