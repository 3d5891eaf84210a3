import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MEDIA, type Medium, type Purpose } from '../core/model.js';
import { unrecognized } from './http-errors.js';

/** The Lambda function that serves a route. One function per handler, as deployed. */
export type HandlerName =
  | 'requestToken'
  | 'submitToken'
  | 'emailLink'
  | 'getValidated3pid'
  | 'accountPassword';
export type HttpMethod = 'GET' | 'HEAD' | 'POST';
/**
 * How a request on the route is authenticated before it reaches the handler. `none`: the spec
 * makes the route unauthenticated, and the session's sid and client_secret are its credentials.
 * `uia`: the handler authenticates by user-interactive auth with a validated session, and hands
 * any request that carries an access token to the homeserver, which checks it.
 */
export type RouteAuth = 'none' | 'uia';

/**
 * Which API a route belongs to: the client-server API, or the identity-server API (v1) that
 * Synapse calls on its msisdn delegate, which answers `success` and also takes form bodies.
 */
export type RouteApi = 'client' | 'identity';

/**
 * What a deployment must have for a route to be served here rather than by the homeserver:
 * `admin`, the homeserver's admin API, through which the password reset is completed;
 * `reset-completion`, that same API whenever a homeserver is behind the service, since a reset
 * session validated here is of no use to it otherwise (so no message is sent for nothing);
 * `email-import`, a way for Synapse to accept an email session validated here (the Synapse
 * module), without which email registration stays with Synapse. (Without the admin API there is
 * no directory either, so a reset requestToken could not tell a bound address from a free one.)
 */
export type RouteNeeds = 'admin' | 'reset-completion' | 'email-import';

export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: HandlerName;
  readonly auth: RouteAuth;
  readonly api: RouteApi;
  readonly purpose?: Purpose;
  readonly medium?: Medium;
  /** Served only when the deployment has this; see `routesServed`. */
  readonly needs?: RouteNeeds;
}

/** Every client-server route is served under both prefixes; clients still use r0. */
export const CLIENT_PREFIXES = ['/_matrix/client/r0', '/_matrix/client/v3'] as const;
/** v1 is what Synapse calls on its msisdn delegate; v2 is the current identity API. */
export const IDENTITY_PREFIXES = ['/_matrix/identity/v2', '/_matrix/identity/api/v1'] as const;

const IDENTITY_V1 = '/_matrix/identity/api/v1';

const REQUEST_TOKEN_FLOWS: ReadonlyArray<readonly [string, Purpose]> = [
  ['register', 'registration'],
  ['account/password', 'password_reset'],
  ['account/3pid', 'add_threepid'],
];

/** Where emailed links point, and where clients post codes (submit_url). */
export const emailConfirmPath = (prefix = '/_matrix/client/v3') => `${prefix}/validate/email/confirm`;
export const submitTokenPath = (medium: Medium, prefix = '/_matrix/client/v3') =>
  `${prefix}/validate/${medium}/submitToken`;

function needsOf(purpose: Purpose, medium: Medium): { needs?: RouteNeeds } {
  if (purpose === 'password_reset') return { needs: 'reset-completion' };
  if (purpose === 'registration' && medium === 'email') return { needs: 'email-import' };
  return {};
}

export const ROUTES: readonly Route[] = [
  ...CLIENT_PREFIXES.flatMap((prefix): Route[] => [
    ...REQUEST_TOKEN_FLOWS.flatMap(([flow, purpose]) =>
      MEDIA.map(
        (medium): Route => ({
          method: 'POST',
          path: `${prefix}/${flow}/${medium}/requestToken`,
          handler: 'requestToken',
          auth: 'none',
          api: 'client',
          purpose,
          medium,
          ...needsOf(purpose, medium),
        }),
      ),
    ),
    ...MEDIA.map(
      (medium): Route => ({
        method: 'POST',
        path: submitTokenPath(medium, prefix),
        handler: 'submitToken',
        auth: 'none',
        api: 'client',
        medium,
      }),
    ),
    ...(['GET', 'HEAD', 'POST'] as const).map(
      (method): Route => ({
        method,
        path: emailConfirmPath(prefix),
        handler: 'emailLink',
        auth: 'none',
        api: 'client',
        medium: 'email',
      }),
    ),
    {
      method: 'POST',
      path: `${prefix}/account/password`,
      handler: 'accountPassword',
      auth: 'uia',
      api: 'client',
      purpose: 'password_reset',
      needs: 'admin',
    },
  ]),
  // Synapse's msisdn delegate calls, exactly as it makes them (v1, no auth): the number's session
  // is started and its code checked here, for registration or adding it alike.
  {
    method: 'POST',
    path: `${IDENTITY_V1}/validate/msisdn/requestToken`,
    handler: 'requestToken',
    auth: 'none',
    api: 'identity',
    purpose: 'delegated',
    medium: 'msisdn',
  },
  {
    method: 'POST',
    path: `${IDENTITY_V1}/validate/msisdn/submitToken`,
    handler: 'submitToken',
    auth: 'none',
    api: 'identity',
    medium: 'msisdn',
  },
  ...IDENTITY_PREFIXES.map(
    (prefix): Route => ({
      method: 'GET',
      path: `${prefix}/3pid/getValidated3pid`,
      handler: 'getValidated3pid',
      auth: 'none',
      api: 'identity',
    }),
  ),
];

/** What a deployment has, which decides the routes it serves. */
export interface Deployment {
  /** The homeserver's admin API can be called (an admin token is configured). */
  readonly admin: boolean;
  /** A homeserver sits behind the service, and owns every route the service does not serve. */
  readonly homeserver: boolean;
  /** Synapse can import email sessions validated here (the Synapse module is configured). */
  readonly emailImport: boolean;
}

/**
 * The routes a deployment serves. Without a homeserver behind it, every route but the password
 * reset itself (the service is all there is, and nothing could reset a password). With one, email
 * registration stays with the homeserver unless it can import email sessions, and the password
 * reset, its requestTokens included, is served here only where the admin API can complete it.
 */
export function routesServed(deployment: Deployment): readonly Route[] {
  return ROUTES.filter((route) => {
    switch (route.needs) {
      case undefined:
        return true;
      case 'admin':
        return deployment.admin;
      case 'reset-completion':
        return !deployment.homeserver || deployment.admin;
      case 'email-import':
        return !deployment.homeserver || deployment.emailImport;
      default:
        return route.needs satisfies never;
    }
  });
}

/**
 * The paths a deployment owns, each once, sorted: what every front door (CloudFront's behaviours,
 * the reverse-proxy recipes of `npm run routes`) sends to the service, every other path going to
 * the homeserver. Exact paths, all methods: a wrong method on one of them is the service's to
 * answer (405, with `Allow`), as it is on the HTTP API. None holds a wildcard (`*`, `?`) or a
 * character a proxy's matcher would read as one.
 */
export function ownedPaths(deployment: Deployment): readonly string[] {
  return [...new Set(routesServed(deployment).map((route) => route.path))].sort();
}

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
