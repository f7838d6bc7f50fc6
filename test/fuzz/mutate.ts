/**
 * Arbitraries that turn real documents (exchange frames, REST bodies, requests) into near-misses:
 * a value swapped for a hostile one, a key deleted, an array element duplicated, a number sent as
 * a string and back, the text cut short. Random text alone rarely gets past a parser's first
 * `JSON.parse`; near-misses reach the field-by-field code where the bugs live. Pure.
 */
import fc from 'fast-check';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;
type Seed = { kind: 'json'; doc: Json } | { kind: 'text'; text: string };

/** Values that break naive field handling: numeric edge cases as strings and numbers, wrong types. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>('', ' ', 'NaN', 'Infinity', '-Infinity', '-1', '-0', '0', '1e309', '1e-400', '0x1F', ' 1', '1.2.3', '99999999999999999999999', '9007199254740993', 'null', 'true', '[]', '{}'),
  fc.constantFrom<Json>(null, true, false, 0, -1, -0, 1.5, 1e308, -1e308, 5e-324, 2 ** 53 + 2, [], {}, [[]], [null], { '': null }),
  fc.integer().map((n) => n as Json),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => n as Json),
  fc.string({ maxLength: 12 }).map((s) => s as Json),
  fc.jsonValue({ maxDepth: 2 }).map((v) => v as Json),
);

/** Every path in a JSON tree, the root first. */
function paths(value: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const k of Object.keys(value)) paths(value[k], [...at, k], out);
  return out;
}

function get(root: Json, path: Path): Json {
  let node: Json = root;
  for (const seg of path) node = (node as Record<string | number, Json>)[seg];
  return node;
}

type Edit = { pick: number; op: 'replace' | 'delete' | 'duplicate' | 'stringify' | 'numberify' | 'empty' | 'renumber'; value: Json; number: string };

function applyEdit(root: Json, edit: Edit): Json {
  const all = paths(root);
  const path = all[edit.pick % all.length];
  if (path.length === 0) return edit.op === 'replace' ? structuredClone(edit.value) : root;
  const parent = get(root, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1];
  const current = get(root, path);
  switch (edit.op) {
    case 'replace':
      // A copy: generated constants ([] and {}) are shared between cases and must stay empty.
      (parent as Record<string | number, Json>)[key] = structuredClone(edit.value);
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(Number(key), 0, structuredClone(current));
      else (parent as Record<string, Json>)[`${key}_`] = structuredClone(current);
      break;
    case 'stringify':
      (parent as Record<string | number, Json>)[key] = typeof current === 'string' ? current : JSON.stringify(current);
      break;
    case 'numberify':
      (parent as Record<string | number, Json>)[key] = typeof current === 'string' ? Number(current) : current;
      break;
    case 'renumber':
      // Still a number of the same type, but an extreme one: the record is built, with odd values.
      if (typeof current === 'number') (parent as Record<string | number, Json>)[key] = Number(edit.number);
      else if (typeof current === 'string' && /^-?\d/.test(current)) (parent as Record<string | number, Json>)[key] = edit.number;
      break;
    case 'empty':
      (parent as Record<string | number, Json>)[key] = Array.isArray(current) ? [] : current !== null && typeof current === 'object' ? {} : '';
      break;
  }
  return root;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom<Edit['op']>('replace', 'replace', 'replace', 'delete', 'duplicate', 'stringify', 'numberify', 'empty', 'renumber', 'renumber', 'renumber'),
  value: hostileValue,
  number: fc.oneof(
    fc.constantFrom('0', '-0', '1', '-1', '0.00000001', '1e308', '1e309', '-1e309', '1e-324', '123456789012345678901234567890', '9007199254740993', '0.1', '5e-324', '1.7976931348623157e308'),
    fc.double({ noNaN: true }).map(String),
    fc.integer().map(String),
    fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  ),
});

/**
 * Texts made from `seeds` (JSON documents as text; other texts are used as they are): 1–4 edits
 * of the parsed document, re-serialised, sometimes cut at a random point.
 */
export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  if (seeds.length === 0) return fc.string();
  const parsed: Seed[] = seeds.map((text) => {
    try {
      return { kind: 'json', doc: JSON.parse(text) as Json };
    } catch {
      return { kind: 'text', text };
    }
  });
  return fc
    .record({
      seed: fc.nat(seeds.length - 1),
      edits: fc.oneof({ arbitrary: fc.array(edit, { minLength: 1, maxLength: 1 }), weight: 3 }, { arbitrary: fc.array(edit, { minLength: 2, maxLength: 4 }), weight: 1 }),
      cut: fc.option(fc.nat(), { freq: 6 }),
    })
    .map(({ seed, edits, cut }) => {
      const base = parsed[seed];
      let text: string;
      if (base.kind === 'text') {
        text = base.text;
      } else {
        let doc = structuredClone(base.doc);
        for (const e of edits) doc = applyEdit(doc, e);
        text = JSON.stringify(doc) ?? 'null';
      }
      return cut === null ? text : text.slice(0, cut % (text.length + 1));
    });
}

/** Random text of every kind: unicode, raw bytes as latin-1, JSON values, JSON-looking fragments. */
export const garbageText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.array(fc.constantFrom('{', '}', '[', ']', '"', ':', ',', 'null', 'true', '1', '-', 'e', '\\', '\\u', ' ', 'data', 'arg', 'op', 'id', 'result'), { maxLength: 30 }).map((parts) => parts.join('')),
);
