import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DYNALITE_LEVELS } from '../../functions/local/dynalite.js';
import { HOUR, ManualClock } from '../helpers/clock.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';

/**
 * dynalite never applies TTL, so the local server deletes expired items itself: a long-running
 * `npm start` holds only what is still live.
 */
describe('the local store', () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { clock });
  });
  afterAll(() => server.close());

  const requestToken = (i: number) =>
    server.post('/_matrix/client/v3/register/email/requestToken', {
      client_secret: `sweep-${i}`,
      email: `sweep-${i}@example.org`,
      send_attempt: 1,
    });

  it('deletes sessions past their TTL, and only those', async () => {
    const old = await Promise.all(Array.from({ length: 20 }, (_, i) => requestToken(i)));
    clock.advance(40 * HOUR);
    const recent = await requestToken(100);
    expect(await server.sweepExpired()).toBe(0);

    clock.advance(10 * HOUR);
    expect(await server.sweepExpired()).toBe(20);
    const gone = await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
      sid: String(old[0]?.json.sid),
      client_secret: 'sweep-0',
    });
    expect(gone.json.errcode).toBe('M_NO_VALID_SESSION');
    const kept = await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
      sid: String(recent.json.sid),
      client_secret: 'sweep-100',
    });
    expect(kept.json.errcode).toBe('M_SESSION_EXPIRED');
  });

  // The store keeps every open iterator, and each holds a snapshot of every item it saw: one left
  // open by the sweep's Scan would keep every session it deleted in memory for good.
  it('leaves no iterator of the store open after a sweep, so what it deleted can be freed', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => requestToken(200 + i)));
    clock.advance(100 * HOUR);
    // Every iterator (and snapshot) the store opens is attached to it until it is closed.
    const attach = DYNALITE_LEVELS.map((level) => vi.spyOn(level.AbstractLevel.prototype, 'attachResource'));
    const detach = DYNALITE_LEVELS.map((level) => vi.spyOn(level.AbstractLevel.prototype, 'detachResource'));
    const resources = (spies: typeof attach) =>
      spies.flatMap((spy) => spy.mock.calls.map(([resource]) => resource));
    try {
      expect(await server.sweepExpired()).toBeGreaterThanOrEqual(20);
      const opened = resources(attach);
      const closed = new Set(resources(detach));
      expect(opened.length).toBeGreaterThan(0);
      expect(opened.filter((resource) => !closed.has(resource))).toEqual([]);
    } finally {
      for (const spy of [...attach, ...detach]) spy.mockRestore();
    }
  });
});
