import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SynapseModuleSessions } from '../../functions/adapters/synapse/synapse-module.js';
import { expectUnavailable } from '../helpers/errors.js';
import { type SynapseStandIn, startSynapseStandIn } from '../helpers/synapse-stand-in.js';

/**
 * The service's side of the Synapse module (synapse-module/): signed requests that create and
 * validate Synapse's copy of an email session. Against the stand-in here, which checks the
 * signature as the module does; against the real module and Synapse in test/synapse.
 */
const SECRET = 'a-module-secret-of-at-least-32-characters';
const SESSION = {
  sid: 'AAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBB',
  threepid: { medium: 'email', address: 'alice@example.org' } as const,
  clientSecret: 'client-secret-1',
  sendAttempt: 1,
  usableUntil: 1_900_000_000_000,
};

describe('SynapseModuleSessions', () => {
  let synapse: SynapseStandIn;
  let sessions: SynapseModuleSessions;

  beforeAll(async () => {
    synapse = await startSynapseStandIn({ moduleSecret: SECRET });
    sessions = new SynapseModuleSessions({
      url: `${synapse.url}/_synapse/client/matrix_3pid/session`,
      secret: SECRET,
      timeoutMs: 300,
    });
  });
  afterEach(() => {
    synapse.setModule('up');
    expect(synapse.violations).toEqual([]);
  });
  afterAll(() => synapse.close());

  it('creates the session with its plaintext client_secret, then validates it', async () => {
    await sessions.started(SESSION);
    expect(synapse.moduleSessions.get(SESSION.sid)).toEqual({
      medium: 'email',
      address: 'alice@example.org',
      clientSecret: 'client-secret-1',
      sendAttempt: 1,
      validatedAt: undefined,
      expiresAt: 1_900_000_000_000,
    });
    await sessions.validated({
      sid: SESSION.sid,
      validatedAt: 1_800_000_000_000,
      usableUntil: 1_886_400_000_000,
    });
    expect(synapse.moduleSessions.get(SESSION.sid)).toMatchObject({
      validatedAt: 1_800_000_000_000,
      expiresAt: 1_886_400_000_000,
    });
  });

  it('signs exactly the bytes it sends, with the current time in seconds', async () => {
    const sent: { headers: Headers; body: string }[] = [];
    const stub = new SynapseModuleSessions({
      url: 'http://synapse.invalid/_synapse/client/matrix_3pid/session',
      secret: SECRET,
      now: () => 1_800_000_000_999,
      fetch: async (_url, init) => {
        sent.push({ headers: new Headers(init?.headers), body: String(init?.body) });
        return new Response('{}', { status: 200 });
      },
    });
    await stub.validated({ sid: 'abc', validatedAt: 1, usableUntil: 2 });
    const [request] = sent;
    expect(request?.body).toBe('{"action":"validate","sid":"abc","validated_at_ms":1,"expires_at_ms":2}');
    expect(request?.headers.get('x-matrix-3pid-timestamp')).toBe('1800000000');
    expect(request?.headers.get('x-matrix-3pid-signature')).toBe(
      `sha256=${createHmac('sha256', SECRET).update(`1800000000.${request?.body}`).digest('hex')}`,
    );
  });

  it('takes a validation Synapse has already used up (the session is gone) as done', async () => {
    await expect(
      sessions.validated({ sid: 'CCCCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDD', validatedAt: 1, usableUntil: 2 }),
    ).resolves.toBeUndefined();
  });

  it('fails closed with 503 when the module answers an error', async () => {
    synapse.setModule('failing');
    await expectUnavailable(sessions.started(SESSION));
    await expectUnavailable(sessions.validated({ sid: SESSION.sid, validatedAt: 1, usableUntil: 2 }));
  });

  it('fails closed with 503 when its secret is not the module’s', async () => {
    const wrong = new SynapseModuleSessions({
      url: `${synapse.url}/_synapse/client/matrix_3pid/session`,
      secret: 'not-the-secret-but-long-enough-to-pass',
    });
    await expectUnavailable(wrong.started(SESSION));
    expect(synapse.violations.splice(0)).toEqual([expect.stringContaining('bad signature')]);
  });

  it('fails closed with 503 when Synapse cannot be reached', async () => {
    const unreachable = new SynapseModuleSessions({
      url: 'http://127.0.0.1:9/x',
      secret: SECRET,
      timeoutMs: 300,
    });
    await expectUnavailable(unreachable.started(SESSION));
  });
});
