import { describe, expect, it } from 'vitest';
import { matchRoute, ROUTES, routeKeyOf, routeOf } from '../../functions/http/routes.js';
import { httpEvent } from '../helpers/events.js';

describe('the route table', () => {
  it('serves the six requestToken endpoints under both r0 and v3', () => {
    const paths = ROUTES.filter((route) => route.handler === 'requestToken').map((route) => route.path);
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
});
