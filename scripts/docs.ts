// `npm run docs`: regenerates the README sections derived from code (between
// `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`). A test fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { generatedSections } from '../sidecar/docs';

const path = new URL('../README.md', import.meta.url);
let text = readFileSync(path, 'utf8');
for (const [name, body] of Object.entries(generatedSections())) {
  const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
  if (!re.test(text)) throw new Error(`README.md has no <!-- generated:${name} --> section`);
  text = text.replace(re, `$1${body}\n$2`);
}
writeFileSync(path, text);
console.log('README.md generated sections updated');
