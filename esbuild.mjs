// Bundles every entry point into dist/ so the published artefacts need no node_modules:
//   dist/sidecar.js   (Node CLI + JSON-RPC server)
//   dist/extension.js (VS Code extension host; `vscode` is provided by the host)
//   dist/webview.js   (chart UI, one browser script, lightweight-charts included)
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'linked',
};

const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // ws tries to require these optional native helpers; it works without them.
  external: ['bufferutil', 'utf-8-validate'],
};

const builds = [
  build({ ...node, entryPoints: { sidecar: 'sidecar/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } }),
];
if (existsSync('extension/main.ts')) {
  builds.push(build({ ...node, entryPoints: { extension: 'extension/main.ts' }, outdir: 'dist', external: [...node.external, 'vscode'] }));
}
if (existsSync('webview/main.ts')) {
  builds.push(build({ ...common, platform: 'browser', target: 'chrome114', format: 'iife', entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist' }));
}
await Promise.all(builds);
