import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SynapseAdmin } from '../../functions/adapters/synapse/synapse-admin.js';
import { expectUnavailable } from '../helpers/errors.js';
import { freePort } from '../helpers/net.js';
import { type SynapseStandIn, startSynapseStandIn } from '../helpers/synapse-stand-in.js';

/**
 * The Synapse admin API adapter against the stand-in: who an address belongs to
 * (`GET /_synapse/admin/v1/threepid/{medium}/users/{address}`) and a password reset
 * (`POST /_synapse/admin/v1/reset_password/{user_id}`). Anything but a clear answer is a 503, so
 * requestToken sends nothing and a reset does not go ahead.
 */
describe('SynapseAdmin', () => {
  let synapse: SynapseStandIn;
  let admin: SynapseAdmin;
  let alice: string;

  beforeAll(async () => {
    synapse = await startSynapseStandIn();
    admin = new SynapseAdmin({ baseUrl: `${synapse.url}/`, accessToken: synapse.adminToken, timeoutMs: 300 });
    alice = synapse.addUser('alice', 'old password of alice');
    synapse.bind('email', 'alice@example.org', alice);
    synapse.bind('email', "o'neil+tag@example.org", alice);
    synapse.bind('msisdn', '447700900123', alice);
  });
  afterEach(() => {
    synapse.setAdminApi('up');
    expect(synapse.violations).toEqual([]);
  });
  afterAll(() => synapse.close());

  describe('findUserId', () => {
    it('finds the account an email address is bound to, asking with the admin token', async () => {
      expect(await admin.findUserId({ medium: 'email', address: 'alice@example.org' })).toBe(alice);
      expect(synapse.requests.at(-1)?.headers.authorization).toBe(`Bearer ${synapse.adminToken}`);
    });

    it('asks for a phone number as E.164 digits without the plus', async () => {
      expect(await admin.findUserId({ medium: 'msisdn', address: '447700900123' })).toBe(alice);
      expect(synapse.requests.at(-1)?.url).toBe('/_synapse/admin/v1/threepid/msisdn/users/447700900123');
    });

    it('encodes the address in the path', async () => {
      expect(await admin.findUserId({ medium: 'email', address: "o'neil+tag@example.org" })).toBe(alice);
      expect(synapse.requests.at(-1)?.url).toBe(
        "/_synapse/admin/v1/threepid/email/users/o'neil%2Btag%40example.org",
      );
    });

    it('answers nobody for an address bound to no account, and asks again next time', async () => {
      const before = synapse.lookups.length;
      expect(await admin.findUserId({ medium: 'email', address: 'nobody@example.org' })).toBeUndefined();
      expect(await admin.findUserId({ medium: 'email', address: 'nobody@example.org' })).toBeUndefined();
      expect(synapse.lookups.length - before).toBe(2);
    });

    it('fails closed with 503 when Synapse answers with an error', async () => {
      synapse.setAdminApi('failing');
      await expectUnavailable(admin.findUserId({ medium: 'email', address: 'alice@example.org' }));
    });

    it('fails closed within its timeout when Synapse does not answer', async () => {
      synapse.setAdminApi('hanging');
      const started = Date.now();
      await expectUnavailable(admin.findUserId({ medium: 'email', address: 'alice@example.org' }));
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('fails closed when Synapse cannot be reached', async () => {
      const unreachable = new SynapseAdmin({
        baseUrl: `http://127.0.0.1:${await freePort()}/`,
        accessToken: 'x',
      });
      await expectUnavailable(unreachable.findUserId({ medium: 'email', address: 'alice@example.org' }));
    });

    it('fails closed, never assuming "not bound", when the token is refused', async () => {
      const wrongToken = new SynapseAdmin({ baseUrl: `${synapse.url}/`, accessToken: 'syt_not_an_admin' });
      await expectUnavailable(wrongToken.findUserId({ medium: 'email', address: 'alice@example.org' }));
      expect(synapse.violations.splice(0)).toEqual([
        expect.stringContaining("with a token that is not an admin's"),
      ]);
    });
  });

  describe('resetPassword', () => {
    it('sets the new password, logging out devices as asked', async () => {
      await admin.resetPassword(alice, 'a new password for alice', true);
      expect(synapse.resets.at(-1)).toEqual({
        userId: alice,
        newPassword: 'a new password for alice',
        logoutDevices: true,
      });
      expect(synapse.passwordOf(alice)).toBe('a new password for alice');
      await admin.resetPassword(alice, 'another password', false);
      expect(synapse.resets.at(-1)?.logoutDevices).toBe(false);
    });

    it('fails closed with 503 when Synapse cannot do it', async () => {
      synapse.setAdminApi('failing');
      await expectUnavailable(admin.resetPassword(alice, 'yet another password', true));
      await expectUnavailable(admin.resetPassword('@nobody:example.org', 'yet another password', true));
    });
  });
});
