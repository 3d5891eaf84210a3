import type { OutboxMessage } from '../../functions/adapters/local/outbox.js';
import { loadLocalConfig } from '../../functions/config.js';
import { type LocalServer, type LocalServerOptions, startLocalServer } from '../../functions/local/server.js';

export interface TestServer extends LocalServer {
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  get(path: string, query?: Record<string, string>): Promise<TestResponse>;
  send(method: string, path: string, init?: RequestInit): Promise<TestResponse>;
  /** The newest message sent to `to` (an email address, or +E.164). */
  lastMessage(to: string): Promise<OutboxMessage>;
  /** The link in the newest email to `to`. */
  lastLink(to: string): Promise<URL>;
  /** The code in the newest SMS to `to`. */
  lastCode(to: string): Promise<string>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** The local server on 127.0.0.1 and a free port, silent, with the given environment. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: Pick<LocalServerOptions, 'clock' | 'onEvent' | 'onStorageRequest' | 'sleeper'> = {},
): Promise<TestServer> {
  // Tests that are not about the limits run without them, as RATE_LIMITS=off allows locally.
  const config = loadLocalConfig({ PORT: '0', LOG_LEVEL: 'SILENT', RATE_LIMITS: 'off', ...env });
  const server = await startLocalServer({ config, ...options });

  const send = async (method: string, path: string, init: RequestInit = {}): Promise<TestResponse> => {
    const response = await fetch(new URL(path, server.url), { method, redirect: 'manual', ...init });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: an HTML page or an empty body
    }
    return { status: response.status, headers: response.headers, text, json };
  };

  const lastMessage = async (to: string) => {
    const { json } = await send('GET', '/_local/outbox');
    const message = (json.messages as OutboxMessage[]).filter((candidate) => candidate.to === to).at(-1);
    if (!message) throw new Error(`nothing was sent to ${to}`);
    return message;
  };

  return Object.assign(server, {
    send,
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      send('POST', path, {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', ...headers },
      }),
    get: (path: string, query: Record<string, string> = {}) =>
      send('GET', `${path}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`),
    lastMessage,
    lastLink: async (to: string) => new URL((await lastMessage(to)).text.match(/https?:\/\/\S+/)?.[0] ?? ''),
    lastCode: async (to: string) => (await lastMessage(to)).text.match(/\b\d{6}\b/)?.[0] ?? '',
  });
}
