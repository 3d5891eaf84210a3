/**
 * The bench's processes talk over Node's IPC channel: the parent calls a method by name and waits
 * for its answer. Small on purpose: one request at a time per method call, JSON-serialisable
 * values only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Handlers = Record<string, (params: never) => unknown>;

interface Call {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}
type Answer =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: string };

/** In a child: answers the parent's calls, after telling it what it needs to know at start. */
export function serve(ready: unknown, handlers: Handlers): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this script is run by the bench (npm run bench), over an IPC channel');
  process.on('message', (message: Call) => {
    const handler = handlers[message.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no method ${message.method}`);
        return handler(message.params as never);
      })
      .then(
        (result) => send({ id: message.id, result: result ?? null } satisfies Answer),
        (error: unknown) =>
          send({
            id: message.id,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          }),
      );
  });
  // The parent going away ends the child: nothing is left running after an interrupted bench.
  process.on('disconnect', () => process.exit(0));
  send({ id: 0, result: ready ?? null } satisfies Answer);
}

export interface Child<Ready> {
  readonly ready: Ready;
  readonly pid: number;
  call<T>(method: string, params?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** Starts a TypeScript child (through tsx) and waits for its first message. */
export async function startChild<Ready>(
  script: string,
  options: { env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<Child<Ready>> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...options.env,
      },
    },
  );
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let exited: Error | undefined;
  const ready = new Promise<unknown>((resolve, reject) => pending.set(0, { resolve, reject }));
  child.on('message', (message: Answer) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if ('error' in message) waiting.reject(new Error(`${script}: ${message.error}`));
    else waiting.resolve(message.result);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`${script} exited (${signal ?? code})`);
    for (const waiting of pending.values()) waiting.reject(exited);
    pending.clear();
  });
  return {
    ready: (await ready) as Ready,
    pid: child.pid ?? 0,
    call<T>(method: string, params?: unknown): Promise<T> {
      if (exited) return Promise.reject(exited);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, method, params: params ?? null } satisfies Call);
      });
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
