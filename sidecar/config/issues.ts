/**
 * Turns zod issues into messages a user can act on: where (file or variable, then key path),
 * what was expected, what was found, and for unknown keys the keys that are allowed.
 */
import { z } from 'zod';
import { closest, showPath } from './values';

/** Names the place a key path was set: `config.toml: feed.stale_after_ms`. */
export type Locate = (path: readonly PropertyKey[]) => string;

/** At most this many problems are listed; the rest are counted. */
const MAX_LISTED = 20;

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional) s = s.unwrap();
  return s;
}

/** The keys the object schema at `path` allows (empty when there is no object there). */
function allowedKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let s = unwrap(schema);
  for (const seg of path) {
    if (!(s instanceof z.ZodObject)) return [];
    const next = (s.shape as Record<string, z.core.$ZodType | undefined>)[String(seg)];
    if (next === undefined) return [];
    s = unwrap(next);
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function unknownKeyMessage(schema: z.core.$ZodType, parent: readonly PropertyKey[], key: string, locate: Locate): string {
  const where = locate([...parent, key]);
  const allowed = allowedKeysAt(schema, parent);
  const guess = closest(key, allowed);
  const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : '';
  const list = allowed.length > 0 ? allowed.join(', ') : '(none)';
  if (parent.length === 1 && parent[0] === 'exchanges') {
    return `${where}: unknown exchange "${key}"${hint}; known exchanges: ${list}`;
  }
  if (parent.length === 0) return `${where}: unknown section${hint}; allowed sections: ${list}`;
  return `${where}: unknown key${hint}; allowed keys: ${list}`;
}

/** One line per problem, in document order. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], schema: z.core.$ZodType, locate: Locate): string {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(unknownKeyMessage(schema, issue.path, key, locate));
    } else {
      lines.push(`${locate(issue.path)}: ${issue.message}`);
    }
  }
  const more = lines.length - MAX_LISTED;
  return [...lines.slice(0, MAX_LISTED), ...(more > 0 ? [`… and ${more} more problem(s)`] : [])].join('\n');
}

/** The usual locator: `<source>: <key path>`. */
export function locateIn(source: string): Locate {
  return (path) => `${source}: ${showPath(path)}`;
}
