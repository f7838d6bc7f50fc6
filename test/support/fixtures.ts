/** Reads recorded frames from test/fixtures/<name>.jsonl (see test/fixtures/README.md). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface FixtureFrame {
  source: string;
  channel: string;
  raw: string;
}

export function fixtureFrames(name: string): FixtureFrame[] {
  const text = readFileSync(resolve(__dirname, '../fixtures', `${name}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as FixtureFrame);
}
