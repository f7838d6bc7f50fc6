// Regenerates openrpc.json from the zod contract (sidecar/rpc/schema.ts).
import { writeFileSync } from 'node:fs';
import { openRpcText } from '../sidecar/rpc/openrpc';
import pkg from '../package.json';

writeFileSync(new URL('../openrpc.json', import.meta.url), openRpcText(pkg.version));
console.log('openrpc.json written');
