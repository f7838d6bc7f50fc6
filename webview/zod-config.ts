/**
 * Imported first by main.ts, before any schema is built: zod compiles fast parsers with
 * `new Function` when it can, and merely probing for that is a CSP violation in a webview whose
 * policy (rightly) has no 'unsafe-eval'. Jitless parsing is plenty fast for chart messages.
 */
import { z } from 'zod';

z.config({ jitless: true });
