import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SECRET_FILE = 'token-hmac-secret';

/**
 * The HMAC key when TOKEN_HMAC_SECRET is unset locally: random per start when sessions live in
 * memory; kept beside the data when they persist, or every restart would orphan the sessions.
 */
export function localTokenSecret(dataDir: string | undefined): { secret: string; source: string } {
  if (!dataDir) return { secret: randomBytes(32).toString('base64url'), source: 'random, for this run' };
  const path = join(dataDir, SECRET_FILE);
  try {
    return { secret: readFileSync(path, 'utf8').trim(), source: path };
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(path, `${secret}\n`, { mode: 0o600 });
    return { secret, source: `${path} (created)` };
  }
}
