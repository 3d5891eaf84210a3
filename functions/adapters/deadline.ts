import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The deadline of the request being served, so that no outbound call outlives it. The HTTP
 * pipeline starts each request with a deadline a little inside the function's own timeout; the
 * adapters pass its signal to every call that moves a request forward (a conditional write, a
 * counter, a send), which then fails fast once it has passed. Restoring a session after a failure
 * is not cut short by it: that is what the time left after the deadline is for.
 */
const current = new AsyncLocalStorage<AbortSignal>();

/** Runs `serve` with a deadline `ms` from now. */
export function withDeadline<T>(ms: number, serve: () => Promise<T>): Promise<T> {
  return current.run(AbortSignal.timeout(Math.max(0, ms)), serve);
}

/** Options for an AWS SDK `send` that end it at the request's deadline (none outside a request). */
export function untilDeadline(): { abortSignal?: AbortSignal } {
  const signal = current.getStore();
  return signal ? { abortSignal: signal } : {};
}
