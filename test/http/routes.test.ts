import { describe, expect, it } from 'vitest';
import {
  type Deployment,
  matchRoute,
  ownedPaths,
  ROUTES,
  routeKeyOf,
  routeOf,
  routesServed,
} from '../../functions/http/routes.js';
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

  describe('the paths a deployment owns, which every front door sends to the service', () => {
    const DEPLOYMENTS: Deployment[] = [false, true].flatMap((homeserver) =>
      [false, true].flatMap((admin) =>
        [false, true].map((emailImport) => ({ homeserver, admin, emailImport })),
      ),
    );

    it.each(DEPLOYMENTS)('are the paths of the routes it serves, each once: %o', (deployment) => {
      const paths = ownedPaths(deployment);
      expect([...paths].sort()).toEqual(paths);
      expect(new Set(paths).size).toBe(paths.length);
      expect(new Set(paths)).toEqual(new Set(routesServed(deployment).map((route) => route.path)));
    });

    it('are exact paths, with nothing a proxy or CloudFront would read as a pattern', () => {
      for (const path of ownedPaths({ homeserver: true, admin: true, emailImport: true })) {
        expect(path).toMatch(/^\/_matrix\/(client\/(r0|v3)|identity\/(v2|api\/v1))\/[A-Za-z0-9/]+$/);
      }
    });

    it('in front of Synapse with its admin token: 22 paths, r0 and v3 alike, and the identity paths', () => {
      const paths = ownedPaths({ homeserver: true, admin: true, emailImport: false });
      expect(paths).toHaveLength(22);
      const r0 = paths.filter((path) => path.startsWith('/_matrix/client/r0/'));
      const v3 = paths.filter((path) => path.startsWith('/_matrix/client/v3/'));
      expect(r0.map((path) => path.replace('/r0/', '/v3/'))).toEqual(v3);
      expect(paths.filter((path) => path.startsWith('/_matrix/identity/'))).toEqual([
        '/_matrix/identity/api/v1/3pid/getValidated3pid',
        '/_matrix/identity/api/v1/validate/msisdn/requestToken',
        '/_matrix/identity/api/v1/validate/msisdn/submitToken',
        '/_matrix/identity/v2/3pid/getValidated3pid',
      ]);
      expect(paths).not.toContain('/_matrix/client/v3/register/email/requestToken');
    });

    it('leave the password reset, its requestTokens too, to a homeserver without an admin token', () => {
      const paths = ownedPaths({ homeserver: true, admin: false, emailImport: false });
      expect(paths.filter((path) => path.includes('/account/password'))).toEqual([]);
      expect(paths).toHaveLength(16);
    });
  });
});
