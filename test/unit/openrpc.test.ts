import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { openRpcText } from '../../sidecar/rpc/openrpc';
import { methods } from '../../sidecar/rpc/schema';

describe('openrpc.json', () => {
  it('is the document generated from the zod contract (run `npm run openrpc` after changing schema.ts)', () => {
    const checkedIn = readFileSync(resolve(__dirname, '../../openrpc.json'), 'utf8');
    expect(checkedIn).toBe(openRpcText(pkg.version));
  });

  it('documents every method with its params by name and the application error codes', () => {
    const doc = JSON.parse(openRpcText(pkg.version));
    expect(doc.methods.map((m: { name: string }) => m.name)).toEqual(Object.keys(methods));
    const subscribe = doc.methods.find((m: { name: string }) => m.name === 'subscribe');
    expect(subscribe.params.filter((p: { required: boolean }) => p.required).map((p: { name: string }) => p.name)).toEqual(['exchange', 'market', 'symbol', 'channel']);
    expect(subscribe.errors.map((e: { code: number }) => e.code)).toContain(-32005);
  });
});
