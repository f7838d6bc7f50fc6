/**
 * A small typed wrapper over node:events: one payload per event, listener errors contained.
 */
import { EventEmitter } from 'node:events';

type Listener<T> = (payload: T) => void;

/** Reports a listener that threw; the default writes to stderr (stdout carries the protocol). */
export type ListenerErrorHandler = (event: string, error: unknown) => void;

const reportToStderr: ListenerErrorHandler = (event, error) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`listener for '${event}' threw: ${message}\n`);
};

/**
 * Typed event emitter. A throwing listener must not unwind into a socket handler (that would
 * crash the process or skip the frame bookkeeping), so each listener runs inside try/catch.
 */
export class TypedEmitter<E extends object> {
  private readonly ee = new EventEmitter();

  constructor(private readonly onListenerError: ListenerErrorHandler = reportToStderr) {
    this.ee.setMaxListeners(0);
  }

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof E & string>(event: K, listener: Listener<E[K]>): () => void {
    this.ee.on(event, listener);
    return () => this.ee.off(event, listener);
  }

  /** Subscribes for the next emission only. */
  once<K extends keyof E & string>(event: K, listener: Listener<E[K]>): () => void {
    this.ee.once(event, listener);
    return () => this.ee.off(event, listener);
  }

  off<K extends keyof E & string>(event: K, listener: Listener<E[K]>): void {
    this.ee.off(event, listener);
  }

  protected emit<K extends keyof E & string>(event: K, payload: E[K]): void {
    for (const listener of this.ee.rawListeners(event) as Listener<E[K]>[]) {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(event, error);
      }
    }
  }
}
