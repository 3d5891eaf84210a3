import { describe, expect, it } from 'vitest';
import { matchRoute, ROUTES, routeKeyOf, routeOf, routesServed } from '../../functions/http/routes.js';
import { httpEvent } from '../helpers/events.js';

describe('the route table', () => {
  it('serves the six requestToken endpoints under both r0 and v3', () => {
    const paths = ROUTES.filter((route) => route.handler === 'requestToken' && route.api === 'client').map(
      (route) => route.path,
    );
    for (const version of ['r0', 'v3']) {
      for (const flow of ['register', 'account/password', 'account/3pid']) {
        for (const medium of ['email', 'msisdn']) {
          expect(paths).toContain(`/_matrix/client/${version}/${flow}/${medium}/requestToken`);
        }
      }
    }
    expect(paths).toHaveLength(12);
  });

  it('records the purpose and medium each requestToken route is for', () => {
    expect(matchRoute('POST', '/_matrix/client/r0/account/password/msisdn/requestToken')).toMatchObject({
      kind: 'route',
      route: { purpose: 'password_reset', medium: 'msisdn' },
    });
  });

  it('serves submitToken, the email link and getValidated3pid on their paths', () => {
    expect(matchRoute('POST', '/_matrix/client/v3/validate/msisdn/submitToken')).toMatchObject({
      route: { handler: 'submitToken', medium: 'msisdn' },
    });
    for (const method of ['GET', 'HEAD', 'POST']) {
      expect(matchRoute(method, '/_matrix/client/r0/validate/email/confirm')).toMatchObject({
        route: { handler: 'emailLink' },
      });
    }
    for (const prefix of ['/_matrix/identity/v2', '/_matrix/identity/api/v1']) {
      expect(matchRoute('GET', `${prefix}/3pid/getValidated3pid`)).toMatchObject({
        route: { handler: 'getValidated3pid' },
      });
    }
  });

  it('tells a wrong method from an unknown path', () => {
    expect(matchRoute('GET', '/_matrix/client/v3/register/email/requestToken')).toEqual({
      kind: 'wrong-method',
      allowed: ['POST'],
    });
    expect(matchRoute('POST', '/_matrix/client/v3/nothing')).toEqual({ kind: 'none' });
  });

  it('has no duplicate route keys', () => {
    const keys = ROUTES.map(routeKeyOf);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('finds the route of an event by its route key, or by path behind a catch-all route', () => {
    const keyed = httpEvent({
      path: '/anything',
      method: 'POST',
      routeKey: 'POST /_matrix/client/v3/register/email/requestToken',
    });
    expect(routeOf(keyed)?.purpose).toBe('registration');
    const catchAll = httpEvent({
      path: '/_matrix/client/r0/account/3pid/email/requestToken',
      method: 'POST',
      routeKey: '$default',
    });
    expect(routeOf(catchAll)?.purpose).toBe('add_threepid');
  });

  describe('what a deployment serves', () => {
    const v3 = (deployment: Parameters<typeof routesServed>[0]) =>
      routesServed(deployment)
        .filter((route) => !route.path.startsWith('/_matrix/client/r0/'))
        .map(routeKeyOf);

    it('alone: every route but the password reset, which nothing could complete', () => {
      const served = v3({ homeserver: false, admin: false, emailImport: false });
      expect(served).toContain('POST /_matrix/client/v3/register/email/requestToken');
      expect(served).toContain('POST /_matrix/client/v3/account/password/msisdn/requestToken');
      expect(served).not.toContain('POST /_matrix/client/v3/account/password');
    });

    it('in front of Synapse with its admin token: the reset by email and SMS; email registration stays with Synapse', () => {
      expect(v3({ homeserver: true, admin: true, emailImport: false })).toEqual([
        'POST /_matrix/client/v3/register/msisdn/requestToken',
        'POST /_matrix/client/v3/account/password/email/requestToken',
        'POST /_matrix/client/v3/account/password/msisdn/requestToken',
        'POST /_matrix/client/v3/account/3pid/email/requestToken',
        'POST /_matrix/client/v3/account/3pid/msisdn/requestToken',
        'POST /_matrix/client/v3/validate/email/submitToken',
        'POST /_matrix/client/v3/validate/msisdn/submitToken',
        'GET /_matrix/client/v3/validate/email/confirm',
        'HEAD /_matrix/client/v3/validate/email/confirm',
        'POST /_matrix/client/v3/validate/email/confirm',
        'POST /_matrix/client/v3/account/password',
        'POST /_matrix/identity/api/v1/validate/msisdn/requestToken',
        'POST /_matrix/identity/api/v1/validate/msisdn/submitToken',
        'GET /_matrix/identity/v2/3pid/getValidated3pid',
        'GET /_matrix/identity/api/v1/3pid/getValidated3pid',
      ]);
    });

    it('in front of a homeserver without an admin token: no password reset at all, so no message is sent for nothing', () => {
      const served = v3({ homeserver: true, admin: false, emailImport: false });
      expect(served.filter((key) => key.includes('/account/password'))).toEqual([]);
      expect(served).toContain('POST /_matrix/client/v3/register/msisdn/requestToken');
    });

    it('serves email registration in front of Synapse once Synapse can import the sessions', () => {
      expect(v3({ homeserver: true, admin: true, emailImport: true })).toContain(
        'POST /_matrix/client/v3/register/email/requestToken',
      );
    });

    it('serves no reset with the module alone: without the admin API nothing says who has an address', () => {
      const served = v3({ homeserver: true, admin: false, emailImport: true });
      expect(served.filter((key) => key.includes('/account/password'))).toEqual([]);
      expect(served).toContain('POST /_matrix/client/v3/register/email/requestToken');
    });
  });
});
