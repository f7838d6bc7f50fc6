import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedSections } from '../../sidecar/docs';

const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');

describe('README', () => {
  it('has current generated sections (exchange matrix, limits, example config); run `npm run docs`', () => {
    for (const [name, body] of Object.entries(generatedSections())) {
      expect(readme, name).toContain(`<!-- generated:${name} -->\n${body}\n<!-- /generated:${name} -->`);
    }
  });

  it('has the two-command quick start and the test command CI runs', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
    expect(readFileSync(resolve(__dirname, '../../.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
