/**
 * A throwaway PostgreSQL server for Synapse: a fresh cluster in a temporary directory, on
 * 127.0.0.1 and a free port, trust authentication, no fsync. PostgreSQL refuses to run as root,
 * so as root it runs as the `postgres` user. setpriv makes Linux kill it if the test process dies.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../net.js';
import type { SynapseDatabase } from './synapse.js';

export interface Postgres {
  /** Synapse's `database` block for this server. */
  readonly database: SynapseDatabase;
  stop(): Promise<void>;
}

/** The directory with initdb and postgres, or '' when PostgreSQL (or a way to run it) is missing. */
export function findPostgresBin(): string {
  if (!commandExists('setpriv')) return '';
  if (process.getuid?.() === 0 && !postgresUser()) return '';
  const debian = '/usr/lib/postgresql';
  const candidates = existsSync(debian)
    ? readdirSync(debian)
        .filter((version) => /^\d+$/.test(version))
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join(debian, version, 'bin'))
    : [];
  const onPath = spawnSync('sh', ['-c', 'dirname "$(command -v initdb)"'], { encoding: 'utf8' });
  if (onPath.status === 0) candidates.push(onPath.stdout.trim());
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) ?? '';
}

export async function startPostgres(bin: string): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'postgres-'));
  const user = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (user) chownSync(dir, user.uid, user.gid);
  const as = user
    ? ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '--pdeathsig', 'KILL', '--']
    : ['--pdeathsig', 'KILL', '--'];
  const data = join(dir, 'data');

  const init = spawnSync(
    'setpriv',
    [
      ...as,
      join(bin, 'initdb'),
      '-D',
      data,
      '-U',
      'synapse',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '-N',
    ],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
  }

  const port = await freePort();
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
  };
  const server: ChildProcess = spawn(
    'setpriv',
    [
      ...as,
      join(bin, 'postgres'),
      '-D',
      data,
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGINT'); // fast shutdown
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  while (spawnSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]).status !== 0) {
    if (server.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`PostgreSQL did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    database: {
      name: 'psycopg2',
      args: { user: 'synapse', host: '127.0.0.1', port, database: 'postgres', cp_min: 1, cp_max: 5 },
    },
    stop,
  };
}

function postgresUser(): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
