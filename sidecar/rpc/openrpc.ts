/** Builds the OpenRPC document from the zod contract in schema.ts (the checked-in openrpc.json). */
import { z } from 'zod';
import { errorDocs, methods, notifications, PROTOCOL_VERSION } from './schema';

function jsonSchema(schema: z.ZodTypeAny): unknown {
  // `io: 'input'` documents what a caller may send (optional fields stay optional).
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/** OpenRPC by-name params: one content descriptor per property of the params object. */
function paramsOf(schema: z.ZodTypeAny): unknown[] {
  const js = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[]; anyOf?: unknown[] };
  const obj = (js.anyOf?.find((s) => (s as { properties?: unknown }).properties) ?? js) as typeof js;
  return Object.entries(obj.properties ?? {}).map(([name, s]) => ({
    name,
    required: (obj.required ?? []).includes(name),
    schema: s,
  }));
}

export function buildOpenRpc(version: string): unknown {
  return {
    openrpc: '1.3.2',
    info: {
      title: 'Candlewire sidecar',
      version,
      description:
        `JSON-RPC 2.0, one message per line (NDJSON) on stdio and local sockets. Protocol version ${PROTOCOL_VERSION}. ` +
        'Params are passed by name as one object. Server → client notifications are listed under x-notifications; ' +
        'each carries the envelope {channel, key, time, seq, data}, seq increasing by one per (channel, key).',
    },
    methods: Object.entries(methods).map(([name, m]) => ({
      name,
      summary: m.summary,
      paramStructure: 'by-name',
      params: paramsOf(m.params),
      result: { name: 'result', schema: jsonSchema(m.result) },
      errors: [
        { code: -32602, message: 'Invalid params: data.issues lists each failing path' },
        ...Object.entries(errorDocs).map(([code, message]) => ({ code: Number(code), message })),
      ],
    })),
    'x-notifications': Object.entries(notifications).map(([name, n]) => ({
      name,
      summary: n.summary,
      params: jsonSchema(n.params),
    })),
    components: {
      errors: Object.fromEntries(Object.entries(errorDocs).map(([code, message]) => [code, { code: Number(code), message }])),
    },
  };
}

export function openRpcText(version: string): string {
  return JSON.stringify(buildOpenRpc(version), null, 2) + '\n';
}
