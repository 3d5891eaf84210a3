/**
 * Debian's nginx, run for one test file as an unprivileged process with everything of its own in
 * a temporary folder (prefix, temp paths, pid, error log), in the foreground, on 127.0.0.1 and a
 * free port. Locally a missing nginx skips the tests that need it, saying how to get it; on CI
 * (CI=true) it is an error, so nothing is silently skipped there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

/** Debian's nginx (`apt-get install nginx-light`) by default; NGINX_PATH names another binary. */
export const NGINX_PATH = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

export const NGINX_AVAILABLE = existsSync(NGINX_PATH);
if (!NGINX_AVAILABLE) {
  const hint = `nginx is not at ${NGINX_PATH}: install Debian's nginx (apt-get install nginx-light) or set NGINX_PATH.`;
  if (process.env.CI === 'true') throw new Error(`CI needs nginx for the reverse-proxy tests. ${hint}`);
  console.warn(`The reverse-proxy tests will not run. ${hint}`);
}

/** `nobody`: nginx never runs as root here, even when the tests do. */
const UNPRIVILEGED = { uid: 65_534, gid: 65_534 };

export interface RunningNginx {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  /** What nginx wrote to its error log so far. */
  errorLog(): string;
  close(): Promise<void>;
}

/** nginx serving `server` (the directives inside one `server { … }`, `listen` excepted). */
export async function startNginx(server: string): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'matrix-3pid-nginx-'));
  const port = await freePort();
  const errorLogPath = join(dir, 'error.log');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
  for (const name of temp) mkdirSync(join(dir, name));
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${errorLogPath} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...temp.map((name) => `  ${name}_temp_path ${join(dir, name)};`),
      '  server {',
      `    listen 127.0.0.1:${port};`,
      server,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    for (const path of [dir, ...temp.map((name) => join(dir, name))]) {
      chownSync(path, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
    }
  }
  const nginx = spawn(
    NGINX_PATH,
    ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', errorLogPath, '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'], ...(asRoot ? UNPRIVILEGED : {}) },
  );
  let stderr = '';
  nginx.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const errorLog = () => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');
  try {
    await listening(nginx, port);
  } catch (error) {
    nginx.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${(error as Error).message}\n${stderr}${errorLog()}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    errorLog,
    async close() {
      if (nginx.exitCode === null) {
        const exited = new Promise((resolve) => nginx.once('exit', resolve));
        nginx.kill('SIGQUIT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `port` accepts connections; rejects if nginx exits first, or after 10 s. */
async function listening(nginx: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (nginx.exitCode !== null) throw new Error(`it exited with ${nginx.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('it did not listen within 10 s');
}
