/**
 * The Synapse module (synapse-module/) against a real Synapse: sessions the service imports are
 * accepted by Synapse's own, unchanged, email checkers.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MODULE_PATH, matrix, postToModule, signature } from '../helpers/synapse/matrix.js';
import { type Postgres, startPostgres } from '../helpers/synapse/postgres.js';
import { type Synapse, startSynapse } from '../helpers/synapse/synapse.js';

const python = inject('synapsePython');
const postgresBin = inject('postgresBin');
const secret = randomBytes(32).toString('hex');
const HOUR = 3_600_000;

describe.runIf(python)('the Synapse module on SQLite', () => moduleSuite('sqlite'));
describe.runIf(python && postgresBin)('the Synapse module on Postgres', () => moduleSuite('postgres'));

function moduleSuite(database: 'sqlite' | 'postgres'): void {
  let synapse: Synapse;
  let postgres: Postgres | undefined;
  beforeAll(async () => {
    postgres = database === 'postgres' ? await startPostgres(postgresBin) : undefined;
    synapse = await startSynapse({
      python,
      moduleSecret: secret,
      moduleConfig: { cleanup_interval_seconds: 1 },
      ...(postgres ? { database: postgres.database } : {}),
    });
  });
  afterAll(async () => {
    await synapse?.stop();
    await postgres?.stop();
  });

  const post = (body: unknown, options?: Parameters<typeof postToModule>[3]) =>
    postToModule(synapse.url, secret, body, options);
  const client = (method: string, path: string, body?: unknown, token?: string) =>
    matrix(synapse.url, method, `/_matrix/client/v3${path}`, body, token);

  /** A new session's identifiers and address; nothing is sent. */
  const newSession = (address = `user-${randomBytes(4).toString('hex')}@example.org`) => ({
    sid: randomBytes(12).toString('base64url'),
    client_secret: randomBytes(16).toString('base64url'),
    address,
  });
  type Session = ReturnType<typeof newSession>;
  const create = (session: Session, expiresAt = Date.now() + HOUR) =>
    post({ action: 'create', medium: 'email', send_attempt: 1, expires_at_ms: expiresAt, ...session });
  const validate = (session: Session, expiresAt = Date.now() + HOUR) =>
    post({ action: 'validate', sid: session.sid, validated_at_ms: Date.now(), expires_at_ms: expiresAt });
  const importValidated = async (session: Session) => {
    expect(await create(session)).toEqual({ status: 200, json: {} });
    expect(await validate(session)).toEqual({ status: 200, json: {} });
  };
  const emailAuth = (session: Session, uiaSession?: string) => ({
    type: 'm.login.email.identity',
    ...(uiaSession ? { session: uiaSession } : {}),
    threepid_creds: { sid: session.sid, client_secret: session.client_secret },
  });

  /** POST /register with a username and password only: Synapse's 401 opens a UIA session. */
  const startRegistration = async (username: string, password: string) => {
    const first = await client('POST', '/register', { username, password });
    expect(first.status).toBe(401);
    expect(first.json.flows).toContainEqual({ stages: ['m.login.email.identity'] });
    return first.json.session as string;
  };

  describe('registration with m.login.email.identity', () => {
    it('completes with an imported, validated session and binds the email', async () => {
      const session = newSession();
      await importValidated(session);
      const username = `reg${randomBytes(4).toString('hex')}`;
      const uia = await startRegistration(username, 'correct horse battery staple');

      const registered = await client('POST', '/register', {
        username,
        password: 'correct horse battery staple',
        auth: emailAuth(session, uia),
      });

      expect(registered.status).toBe(200);
      const userId = `@${username}:${synapse.serverName}`;
      expect(registered.json.user_id).toBe(userId);
      const user = await matrix(
        synapse.url,
        'GET',
        `/_synapse/admin/v2/users/${encodeURIComponent(userId)}`,
        undefined,
        synapse.adminToken,
      );
      expect(user.json.threepids).toEqual([
        expect.objectContaining({
          medium: 'email',
          address: session.address,
          validated_at: expect.any(Number),
        }),
      ]);
      // Synapse used the session up: it deleted the row, so the module no longer finds it.
      expect((await validate(session)).json.errcode).toBe('M_NOT_FOUND');
    });

    it('refuses a session that was imported but not validated', async () => {
      const session = newSession();
      expect((await create(session)).status).toBe(200);
      const username = `unv${randomBytes(4).toString('hex')}`;
      const uia = await startRegistration(username, 'a long enough password');

      const refused = await client('POST', '/register', {
        username,
        password: 'a long enough password',
        auth: emailAuth(session, uia),
      });

      expect(refused.status).toBe(401);
      expect(refused.json).toMatchObject({ errcode: 'M_UNAUTHORIZED', session: uia });
      expect(refused.json.completed ?? []).toEqual([]);

      // Validating it afterwards lets the same UIA session complete.
      await validate(session);
      const registered = await client('POST', '/register', {
        username,
        password: 'a long enough password',
        auth: emailAuth(session, uia),
      });
      expect(registered.status).toBe(200);
    });

    it('refuses a session whose client_secret does not match', async () => {
      const session = newSession();
      await importValidated(session);
      const uia = await startRegistration(`sec${randomBytes(4).toString('hex')}`, 'a long enough password');
      const refused = await client('POST', '/register', {
        username: 'whoever',
        password: 'a long enough password',
        auth: emailAuth({ ...session, client_secret: 'not-the-secret' }, uia),
      });
      expect(refused.status).toBe(401);
    });

    it('refuses a deleted session', async () => {
      const session = newSession();
      await importValidated(session);
      expect(await post({ action: 'delete', sid: session.sid })).toEqual({ status: 200, json: {} });
      expect(await post({ action: 'delete', sid: session.sid })).toEqual({ status: 200, json: {} });
      const uia = await startRegistration(`del${randomBytes(4).toString('hex')}`, 'a long enough password');
      const refused = await client('POST', '/register', {
        username: 'whoever',
        password: 'a long enough password',
        auth: emailAuth(session, uia),
      });
      expect(refused.status).toBe(401);
    });
  });

  describe('an account that has the email', () => {
    const password = 'the first password';
    let account: { userId: string; accessToken: string; localpart: string; email: string };

    beforeAll(async () => {
      const localpart = `acct${randomBytes(4).toString('hex')}`;
      const created = await synapse.registerUser(localpart, password);
      account = { ...created, localpart, email: `${localpart}@example.org` };
    });

    it('adds it with /account/3pid/add and an imported session', async () => {
      const session = newSession(account.email);
      await importValidated(session);
      const add = { sid: session.sid, client_secret: session.client_secret };

      const first = await client('POST', '/account/3pid/add', add, account.accessToken);
      expect(first.status).toBe(401);
      const added = await client(
        'POST',
        '/account/3pid/add',
        {
          ...add,
          auth: {
            type: 'm.login.password',
            identifier: { type: 'm.id.user', user: account.localpart },
            password,
            session: first.json.session,
          },
        },
        account.accessToken,
      );

      expect(added).toEqual({ status: 200, json: {} });
      const listed = await client('GET', '/account/3pid', undefined, account.accessToken);
      expect(listed.json.threepids).toEqual([
        expect.objectContaining({ medium: 'email', address: account.email }),
      ]);
    });

    it('resets the password with the unauthenticated /account/password', async () => {
      const session = newSession(account.email);
      await importValidated(session);

      const reset = await client('POST', '/account/password', {
        auth: emailAuth(session),
        new_password: 'the second password',
      });

      expect(reset).toEqual({ status: 200, json: {} });
      const login = (attempt: string) =>
        client('POST', '/login', {
          type: 'm.login.password',
          identifier: { type: 'm.id.user', user: account.localpart },
          password: attempt,
        });
      expect((await login('the second password')).status).toBe(200);
      expect((await login(password)).status).toBe(403);
      // The reset logged out every device, as Synapse does by default.
      expect((await client('GET', '/account/whoami', undefined, account.accessToken)).status).toBe(401);
    });

    it('refuses a reset with an unvalidated session', async () => {
      const session = newSession(account.email);
      expect((await create(session)).status).toBe(200);
      const reset = await client('POST', '/account/password', {
        auth: emailAuth(session),
        new_password: 'a third password',
      });
      expect(reset.status).toBe(401);
      expect(reset.json.errcode).toBe('M_UNAUTHORIZED');
    });
  });

  describe('expiry', () => {
    it('deletes sessions whose expiry has passed, and only those', async () => {
      const expired = newSession();
      const current = newSession();
      await create(expired);
      await validate(expired, Date.now() - 1);
      await importValidated(current);

      // The test Synapse runs the cleanup every second.
      await expect
        .poll(async () => (await validate(expired, Date.now() - 1)).status, { timeout: 10_000 })
        .toBe(404);

      const uia = await startRegistration(`exp${randomBytes(4).toString('hex')}`, 'a long enough password');
      const refused = await client('POST', '/register', {
        username: 'whoever',
        password: 'a long enough password',
        auth: emailAuth(expired, uia),
      });
      expect(refused.status).toBe(401);
      expect((await validate(current)).status).toBe(200);
    });
  });

  describe('the resource', () => {
    const body = JSON.stringify({ action: 'delete', sid: 'abc' });
    const now = () => Math.floor(Date.now() / 1000);
    const unauthorized = { status: 401, json: expect.objectContaining({ errcode: 'M_UNAUTHORIZED' }) };

    it('accepts a correctly signed request', async () => {
      expect(await post(body)).toEqual({ status: 200, json: {} });
    });

    it('refuses an unsigned request', async () => {
      expect(await post(body, { headers: { 'Content-Type': 'application/json' } })).toEqual(unauthorized);
    });

    it('refuses a request signed with another secret, or over another body', async () => {
      const timestamp = String(now());
      const withSignature = (value: string) =>
        post(body, {
          headers: { 'X-Matrix-3PID-Timestamp': timestamp, 'X-Matrix-3PID-Signature': value },
        });
      expect(await withSignature(signature('another secret', timestamp, body))).toEqual(unauthorized);
      expect(await withSignature(signature(secret, timestamp, `${body} `))).toEqual(unauthorized);
      expect(await withSignature(signature(secret, timestamp, body).toUpperCase())).toEqual(unauthorized);
      expect(await withSignature(signature(secret, timestamp, body))).toEqual({ status: 200, json: {} });
    });

    it('refuses a stale or future timestamp (outside 300 s)', async () => {
      expect(await post(body, { timestamp: now() - 301 })).toEqual(unauthorized);
      expect(await post(body, { timestamp: now() + 301 })).toEqual(unauthorized);
      expect((await post(body, { timestamp: now() - 250 })).status).toBe(200);
    });

    it('refuses a body over 64 KiB, even when signed', async () => {
      const big = JSON.stringify({ action: 'delete', sid: 'abc', pad: 'x'.repeat(64 * 1024) });
      expect(await post(big)).toEqual({
        status: 413,
        json: expect.objectContaining({ errcode: 'M_TOO_LARGE' }),
      });
    });

    it.each([
      ['not JSON', '{', 'M_NOT_JSON'],
      ['not an object', '[]', 'M_BAD_JSON'],
      ['no action', '{}', 'M_MISSING_PARAM'],
      ['an unknown action', { action: 'update', sid: 'abc' }, 'M_INVALID_PARAM'],
      ['a bad sid', { action: 'delete', sid: 'a b' }, 'M_INVALID_PARAM'],
      ['a missing field', { action: 'validate', sid: 'abc', validated_at_ms: 1 }, 'M_MISSING_PARAM'],
      [
        'a non-canonical email',
        {
          action: 'create',
          medium: 'email',
          ...newSession('Alice@Example.org'),
          send_attempt: 1,
          expires_at_ms: 1,
        },
        'M_INVALID_PARAM',
      ],
      [
        'a fractional timestamp',
        { action: 'validate', sid: 'abc', validated_at_ms: 1.5, expires_at_ms: 1 },
        'M_INVALID_PARAM',
      ],
    ])('answers 400 to %s', async (_, request, errcode) => {
      expect(await post(request)).toEqual({ status: 400, json: expect.objectContaining({ errcode }) });
    });

    it('answers 404 to validating an unknown session', async () => {
      const result = await post({ action: 'validate', sid: 'unknown', validated_at_ms: 1, expires_at_ms: 2 });
      expect(result).toEqual({ status: 404, json: expect.objectContaining({ errcode: 'M_NOT_FOUND' }) });
    });

    it('is idempotent for a repeated create, and refuses a different create for the same sid', async () => {
      const session = newSession();
      expect((await create(session)).status).toBe(200);
      expect((await create(session)).status).toBe(200);
      const other = await create({ ...session, address: 'someone-else@example.org' });
      expect(other).toEqual({ status: 400, json: expect.objectContaining({ errcode: 'M_INVALID_PARAM' }) });
    });

    it('answers only POST', async () => {
      const response = await fetch(`${synapse.url}${MODULE_PATH}`);
      expect(response.status).toBe(405);
    });
  });
}
