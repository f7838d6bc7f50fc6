// Bundles every entry point into dist/ so the published artefacts need no node_modules.
import { build } from 'esbuild';

const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // ws tries to require these optional native helpers; it works without them.
  external: ['bufferutil', 'utf-8-validate'],
};

await build({
  ...node,
  entryPoints: { sidecar: 'sidecar/main.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
