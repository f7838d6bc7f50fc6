import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exchangeDefaults } from '../../sidecar/app';
import { exampleConfigToml } from '../../sidecar/config';

const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');

describe('README', () => {
  it('shows the current complete example configuration', () => {
    expect(readme).toContain(exampleConfigToml(exchangeDefaults()).trimEnd());
  });

  it('has the two-command quick start and the test command CI runs', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
    expect(readFileSync(resolve(__dirname, '../../.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
