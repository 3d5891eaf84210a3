/**
 * A real Synapse for tests: SQLite, 127.0.0.1 on a free port, registration that requires a 3PID,
 * Synapse's own email checker switched on (an `email:` block; it never sends mail here), the
 * msisdn delegate of the caller's choice, and the module from synapse-module/ loaded.
 *
 *   const synapse = await startSynapse({ python: inject('synapsePython'), moduleSecret });
 *   ...
 *   await synapse.stop();
 *
 * Synapse is killed when the test process exits, even on a crash, and stop() waits for it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../net.js';

export interface SynapseOptions {
  /** The venv's python (inject('synapsePython')). */
  python: string;
  /** The module's shared secret (at least 32 characters). */
  moduleSecret: string;
  /** Base URL of `account_threepid_delegates.msisdn`, without a trailing slash. Unset: no phones. */
  delegateUrl?: string;
  /** `registrations_require_3pid`; default ['email']. ['msisdn'] needs a delegate. */
  requireThreepids?: ('email' | 'msisdn')[];
  /** Options of the module besides its secret, e.g. { replay_window_seconds: 60 }. */
  moduleConfig?: Record<string, unknown>;
  /** Synapse's `database` block; default SQLite in the data directory. */
  database?: SynapseDatabase;
}

export interface SynapseDatabase {
  name: 'sqlite3' | 'psycopg2';
  args: Record<string, unknown>;
}

export interface Synapse {
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly url: string;
  readonly serverName: string;
  readonly adminUserId: string;
  readonly adminToken: string;
  /** The temporary directory with homeserver.yaml, the SQLite database and homeserver.log. */
  readonly dataDir: string;
  /** Creates an account with Synapse's shared-secret registration (no 3PID needed). */
  registerUser(localpart: string, password: string, options?: { admin?: boolean }): Promise<Account>;
  /** The last lines of homeserver.log, for failure messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export interface Account {
  userId: string;
  accessToken: string;
}

const launcher = fileURLToPath(new URL('run-synapse.py', import.meta.url));
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startSynapse(options: SynapseOptions): Promise<Synapse> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const serverName = 'synapse.test';
  const registrationSecret = randomBytes(24).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'synapse-'));
  const logFile = join(dataDir, 'homeserver.log');
  const configPath = join(dataDir, 'homeserver.yaml');

  // YAML is a superset of JSON, so the config files are written as JSON.
  writeFileSync(configPath, JSON.stringify(homeserverConfig(), null, 2));
  writeFileSync(join(dataDir, 'log.config'), JSON.stringify(logConfig()));
  // signedjson's format: algorithm, key version, unpadded base64 of the 32-byte ed25519 seed.
  writeFileSync(join(dataDir, 'signing.key'), `ed25519 a_test ${randomBytes(32).toString('base64url')}\n`);

  const output = openSync(logFile, 'a');
  const child = spawn(options.python, [launcher, '--config-path', configPath], {
    cwd: dataDir,
    stdio: ['ignore', output, output],
    env: { ...process.env, SYNAPSE_TEST_PARENT_PID: String(process.pid) },
  });
  closeSync(output);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  const logTail = (lines = 40) => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (!process.env.SYNAPSE_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(url, child, logTail);
    const registerUser = (localpart: string, password: string, { admin = false } = {}) =>
      sharedSecretRegister(url, registrationSecret, localpart, password, admin);
    const admin = await registerUser('admin', randomBytes(12).toString('hex'), { admin: true });
    return {
      url,
      serverName,
      adminUserId: admin.userId,
      adminToken: admin.accessToken,
      dataDir,
      registerUser,
      logTail,
      stop,
    };
  } catch (error) {
    const tail = logTail();
    await stop();
    throw new Error(`${error instanceof Error ? error.message : error}\nhomeserver.log:\n${tail}`);
  }

  function homeserverConfig(): Record<string, unknown> {
    const generous = { per_second: 1000, burst_count: 1000 };
    return {
      server_name: serverName,
      public_baseurl: `${url}/`,
      report_stats: false,
      listeners: [
        {
          port,
          bind_addresses: ['127.0.0.1'],
          type: 'http',
          tls: false,
          x_forwarded: false,
          resources: [{ names: ['client'], compress: false }],
        },
      ],
      database: options.database ?? { name: 'sqlite3', args: { database: join(dataDir, 'homeserver.db') } },
      log_config: join(dataDir, 'log.config'),
      media_store_path: join(dataDir, 'media'),
      signing_key_path: join(dataDir, 'signing.key'),
      trusted_key_servers: [],
      suppress_key_server_warning: true,
      macaroon_secret_key: randomBytes(24).toString('hex'),
      form_secret: randomBytes(24).toString('hex'),
      registration_shared_secret: registrationSecret,
      enable_registration: true,
      registrations_require_3pid: options.requireThreepids ?? ['email'],
      ...(options.delegateUrl ? { account_threepid_delegates: { msisdn: options.delegateUrl } } : {}),
      // The block switches on Synapse's email checkers; SMTP points at a closed port on purpose.
      email: {
        notif_from: 'Synapse <noreply@synapse.test>',
        smtp_host: '127.0.0.1',
        smtp_port: 9,
        enable_notifs: false,
      },
      bcrypt_rounds: 4,
      presence: { enabled: false },
      enable_metrics: false,
      rc_message: generous,
      rc_registration: generous,
      rc_registration_token_validity: generous,
      rc_3pid_validation: generous,
      rc_login: { address: generous, account: generous, failed_attempts: generous },
      modules: [
        {
          module: 'matrix_3pid_synapse.SessionImportModule',
          config: { shared_secret: options.moduleSecret, ...options.moduleConfig },
        },
      ],
    };
  }

  function logConfig(): Record<string, unknown> {
    return {
      version: 1,
      formatters: { plain: { format: '%(asctime)s %(levelname)s %(name)s: %(message)s' } },
      handlers: { file: { class: 'logging.FileHandler', formatter: 'plain', filename: logFile } },
      root: { level: 'INFO', handlers: ['file'] },
      loggers: { 'synapse.storage.SQL': { level: 'WARNING' } },
      disable_existing_loggers: false,
    };
  }
}

async function waitForHealth(url: string, child: ChildProcess, logTail: () => string): Promise<void> {
  const deadline = Date.now() + 45_000; // under vitest's 60 s hookTimeout, so the log tail is reported
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`Synapse exited (${child.exitCode ?? child.signalCode}) before it answered /health`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Synapse did not answer ${url}/health within 45 s\n${logTail()}`);
}

/** POST /_synapse/admin/v1/register: a nonce, then an HMAC-SHA1 over nonce, user, password, admin. */
async function sharedSecretRegister(
  url: string,
  secret: string,
  localpart: string,
  password: string,
  admin: boolean,
): Promise<Account> {
  const endpoint = `${url}/_synapse/admin/v1/register`;
  const { nonce } = (await (await fetch(endpoint)).json()) as { nonce: string };
  const mac = createHmac('sha1', secret)
    .update([nonce, localpart, password, admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ nonce, username: localpart, password, admin, mac }),
  });
  const body = (await response.json()) as { user_id?: string; access_token?: string };
  if (!response.ok || !body.user_id || !body.access_token)
    throw new Error(
      `shared-secret registration of ${localpart} failed: ${response.status} ${JSON.stringify(body)}`,
    );
  return { userId: body.user_id, accessToken: body.access_token };
}
