import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MEDIA, type Medium, type Purpose } from '../core/model.js';
import { unrecognized } from './http-errors.js';

/** The Lambda function that serves a route. One function per handler, as deployed. */
export type HandlerName = 'requestToken' | 'submitToken' | 'emailLink' | 'getValidated3pid';
export type HttpMethod = 'GET' | 'HEAD' | 'POST';
/**
 * How a request on the route is authenticated before it reaches the handler. `none`: the spec
 * makes the route unauthenticated, and the session's sid and client_secret are its credentials.
 */
export type RouteAuth = 'none';

export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: HandlerName;
  readonly auth: RouteAuth;
  readonly purpose?: Purpose;
  readonly medium?: Medium;
}

/** Every client-server route is served under both prefixes; clients still use r0. */
export const CLIENT_PREFIXES = ['/_matrix/client/r0', '/_matrix/client/v3'] as const;
/** v1 is what Synapse calls on its msisdn delegate; v2 is the current identity API. */
export const IDENTITY_PREFIXES = ['/_matrix/identity/v2', '/_matrix/identity/api/v1'] as const;

const REQUEST_TOKEN_FLOWS: ReadonlyArray<readonly [string, Purpose]> = [
  ['register', 'registration'],
  ['account/password', 'password_reset'],
  ['account/3pid', 'add_threepid'],
];

/** Where emailed links point, and where clients post codes (submit_url). */
export const emailConfirmPath = (prefix = '/_matrix/client/v3') => `${prefix}/validate/email/confirm`;
export const submitTokenPath = (medium: Medium, prefix = '/_matrix/client/v3') =>
  `${prefix}/validate/${medium}/submitToken`;

export const ROUTES: readonly Route[] = [
  ...CLIENT_PREFIXES.flatMap((prefix): Route[] => [
    ...REQUEST_TOKEN_FLOWS.flatMap(([flow, purpose]) =>
      MEDIA.map(
        (medium): Route => ({
          method: 'POST',
          path: `${prefix}/${flow}/${medium}/requestToken`,
          handler: 'requestToken',
          auth: 'none',
          purpose,
          medium,
        }),
      ),
    ),
    ...MEDIA.map(
      (medium): Route => ({
        method: 'POST',
        path: submitTokenPath(medium, prefix),
        handler: 'submitToken',
        auth: 'none',
        medium,
      }),
    ),
    ...(['GET', 'HEAD', 'POST'] as const).map(
      (method): Route => ({
        method,
        path: emailConfirmPath(prefix),
        handler: 'emailLink',
        auth: 'none',
        medium: 'email',
      }),
    ),
  ]),
  ...IDENTITY_PREFIXES.map(
    (prefix): Route => ({
      method: 'GET',
      path: `${prefix}/3pid/getValidated3pid`,
      handler: 'getValidated3pid',
      auth: 'none',
    }),
  ),
];

/** API Gateway's name for a route, e.g. `POST /_matrix/client/v3/register/email/requestToken`. */
export const routeKeyOf = (route: Route): string => `${route.method} ${route.path}`;

const BY_KEY = new Map(ROUTES.map((route) => [routeKeyOf(route), route]));

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: Route }
  | { readonly kind: 'wrong-method'; readonly allowed: readonly HttpMethod[] }
  | { readonly kind: 'none' };

export function matchRoute(method: string, path: string): RouteMatch {
  const route = BY_KEY.get(`${method} ${path}`);
  if (route) return { kind: 'route', route };
  const allowed = ROUTES.filter((candidate) => candidate.path === path).map((candidate) => candidate.method);
  return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'none' };
}

/**
 * The route an event was delivered for: by its route key when API Gateway matched one of ours,
 * otherwise by method and path (a catch-all route, or the local server).
 */
export function routeOf(event: APIGatewayProxyEventV2): Route | undefined {
  const byKey = BY_KEY.get(event.routeKey);
  if (byKey) return byKey;
  const match = matchRoute(event.requestContext.http.method, event.rawPath);
  return match.kind === 'route' ? match.route : undefined;
}

/** The route of `event`, which must belong to `handler`; anything else is not ours to serve. */
export function requireRoute(event: APIGatewayProxyEventV2, handler: HandlerName): Route {
  const route = routeOf(event);
  if (route?.handler !== handler) throw unrecognized(404);
  return route;
}
