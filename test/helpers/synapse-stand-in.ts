/**
 * A stand-in for an unchanged Synapse, for tests: the client and admin endpoints the service meets,
 * and the calls Synapse makes to its msisdn delegate (`account_threepid_delegates.msisdn`), made
 * as Synapse's source makes them (synapse/handlers/identity.py, rest/client/register.py and
 * account.py, rest/admin/users.py, as of v1.157). Each behaviour cites the section (§) of the
 * homeserver integration notes it follows, which give the source lines. It checks what Synapse
 * would check, and records what it was asked, so a test can say "Synapse received a reset for
 * @alice" or "Synapse was never asked about a non-canonical address".
 *
 * Not a homeserver: accounts, tokens and bindings are maps, and there are no rooms.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';

export interface StandInThreepid {
  readonly medium: 'email' | 'msisdn';
  /** As Synapse stores it: email case-folded, msisdn E.164 digits without `+` (§1.4, §3). */
  readonly address: string;
  readonly userId: string;
  readonly validatedAt: number;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A call Synapse made to its msisdn delegate (§1.2), and what came back. */
export interface DelegateCall {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly body: Record<string, unknown> | undefined;
  readonly status: number;
  readonly response: unknown;
}

export interface SynapseStandInOptions {
  /** `account_threepid_delegates.msisdn`, without a trailing slash (§1.1); none: no delegate. */
  readonly delegate?: string;
  /** `public_baseurl`, with its trailing slash: where clients reach this homeserver (§1.2 #1). */
  readonly publicBaseUrl?: string;
  readonly serverName?: string;
  /** The admin's access token; a random one unless a test needs to know it beforehand. */
  readonly adminToken?: string;
  /** The secret shared with the module (synapse-module/); none: the module is not loaded. */
  readonly moduleSecret?: string;
}

/** A session the service wrote through the module, as the module keeps it (synapse-module/README.md). */
export interface ModuleSession {
  readonly medium: string;
  readonly address: string;
  readonly clientSecret: string;
  sendAttempt: number;
  validatedAt: number | undefined;
  expiresAt: number;
}

export interface SynapseStandIn {
  /** The origin, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The access token of a server admin, for the admin API (§3). */
  readonly adminToken: string;
  readonly threepids: StandInThreepid[];
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Every reset asked of the admin API, as received (§3). */
  readonly resets: { userId: string; newPassword: string; logoutDevices: boolean }[];
  /** Every 3PID looked up through the admin API, as received. */
  readonly lookups: { medium: string; address: string }[];
  /** What Synapse would have done differently: a non-canonical address, a missing token… Empty is good. */
  readonly violations: string[];
  readonly delegateCalls: DelegateCall[];
  /** The sessions written through the module, by sid. */
  readonly moduleSessions: Map<string, ModuleSession>;
  /** How the module answers: as it should, or with 500s. */
  setModule(mode: 'up' | 'failing'): void;
  /** Sets where the delegate is, once the service's URL is known. */
  configure(options: SynapseStandInOptions): void;
  /** An account with a password; returns its user ID. */
  addUser(localpart: string, password: string): string;
  bind(medium: StandInThreepid['medium'], address: string, userId: string): void;
  passwordOf(userId: string): string | undefined;
  /** An access token for the user, as a login would give. */
  login(userId: string): string;
  /** How the admin API answers: as it should, with 500s (to resets alone, or to all), or not at all. */
  setAdminApi(mode: AdminApiMode): void;
  close(): Promise<void>;
}

export type AdminApiMode = 'up' | 'failing' | 'failing-resets' | 'hanging';

const CLIENT_SECRET = /^[0-9a-zA-Z.=_-]+$/;
/** What Synapse's `/versions` lists (rust/src/handlers/versions.rs). */
const VERSIONS = [
  'r0.0.1',
  'r0.1.0',
  'r0.2.0',
  'r0.3.0',
  'r0.4.0',
  'r0.5.0',
  'r0.6.0',
  'r0.6.1',
  'v1.1',
  'v1.12',
];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function startSynapseStandIn(options: SynapseStandInOptions = {}): Promise<SynapseStandIn> {
  let settings: SynapseStandInOptions = { serverName: 'example.org', ...options };
  const adminToken = options.adminToken ?? `syt_admin_${randomBytes(12).toString('hex')}`;
  const users = new Map<string, { password: string; tokens: Set<string> }>();
  const tokens = new Map<string, string>();
  const threepids: StandInThreepid[] = [];
  const requests: RecordedRequest[] = [];
  const resets: SynapseStandIn['resets'] = [];
  const lookups: SynapseStandIn['lookups'] = [];
  const violations: string[] = [];
  const delegateCalls: DelegateCall[] = [];
  const moduleSessions = new Map<string, ModuleSession>();
  let moduleMode: 'up' | 'failing' = 'up';
  let adminApi: AdminApiMode = 'up';
  const hanging = new Set<ServerResponse>();

  const login = (userId: string) => {
    const token = `syt_${randomBytes(12).toString('hex')}`;
    users.get(userId)?.tokens.add(token);
    tokens.set(token, userId);
    return token;
  };
  const addUser = (localpart: string, password: string) => {
    const userId = `@${localpart}:${settings.serverName}`;
    users.set(userId, { password, tokens: new Set() });
    return userId;
  };
  const boundTo = (medium: string, address: string) =>
    threepids.find((threepid) => threepid.medium === medium && threepid.address === address)?.userId;
  const bind = (medium: StandInThreepid['medium'], address: string, userId: string) => {
    // `user_add_threepid` upserts on (medium, address) (§1.5).
    const existing = threepids.findIndex(
      (threepid) => threepid.medium === medium && threepid.address === address,
    );
    if (existing >= 0) threepids.splice(existing, 1);
    threepids.push({ medium, address, userId, validatedAt: Date.now() });
  };

  /** The Bearer token's user, as Synapse's `get_user_by_req`; 401 without one. */
  const requester = (request: IncomingMessage) => {
    const token = accessTokenOf(request);
    if (token === undefined) throw new HttpError(401, 'M_MISSING_TOKEN', 'Missing access token.');
    const userId = tokens.get(token);
    if (userId === undefined) throw new HttpError(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.');
    return userId;
  };

  /** The admin API's check (§3): an admin's Bearer token. */
  const requireAdmin = (request: IncomingMessage) => {
    const token = accessTokenOf(request);
    if (token === undefined) {
      violations.push(`${request.method} ${request.url} without an access token`);
      throw new HttpError(401, 'M_MISSING_TOKEN', 'Missing access token.');
    }
    if (token !== adminToken) {
      violations.push(`${request.method} ${request.url} with a token that is not an admin's`);
      throw new HttpError(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.');
    }
  };

  /** A password check as UIA's `m.login.password` stage does it, for a logged-in user. */
  const passwordStage = (userId: string, auth: unknown) => {
    const { type, password } = (auth ?? {}) as Record<string, unknown>;
    if (type !== 'm.login.password') {
      throw new HttpError(401, 'M_UNAUTHORIZED', 'Authentication required', {
        flows: [{ stages: ['m.login.password'] }],
        params: {},
        session: randomBytes(12).toString('hex'),
      });
    }
    if (users.get(userId)?.password !== password) throw new HttpError(403, 'M_FORBIDDEN', 'Invalid password');
  };

  const delegate = () => settings.delegate;

  /** Call 3 (§1.2): any 2xx whose JSON has `medium` is taken as it is; anything else is "not validated". */
  const threepidFromCreds = async (creds: Record<string, unknown>) => {
    const base = delegate();
    if (base === undefined) return undefined;
    const query = new URLSearchParams({
      sid: String(creds.sid),
      client_secret: String(creds.client_secret ?? creds.clientSecret),
    });
    const url = `${base}/_matrix/identity/api/v1/3pid/getValidated3pid?${query}`;
    const response = await fetch(url, { headers: { 'User-Agent': 'Synapse/1.157.1' } });
    const data = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    delegateCalls.push({ method: 'GET', url, body: undefined, status: response.status, response: data });
    if (!response.ok || data === undefined || !('medium' in data)) return undefined;
    return data;
  };

  /** Calls 1 and 2 (§1.2): JSON POSTs to the delegate's identity v1 API, without authentication. */
  const postToDelegate = async (path: string, body: Record<string, unknown>) => {
    const url = `${delegate()}/_matrix/identity/api/v1/${path}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'Synapse/1.157.1' },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => undefined);
    delegateCalls.push({ method: 'POST', url, body, status: response.status, response: data });
    return { status: response.status, data: data as Record<string, unknown> | undefined };
  };

  /** `phone_number_to_msisdn`: E.164 digits without `+`, or 400 (§1.3 step 2). */
  const toMsisdn = (country: unknown, phoneNumber: unknown) => {
    try {
      return parsePhoneNumberWithError(String(phoneNumber), String(country) as never).number.slice(1);
    } catch {
      throw new HttpError(400, 'M_UNKNOWN', 'Unable to parse phone number');
    }
  };

  /** `/register/msisdn/requestToken` and `/account/3pid/msisdn/requestToken` (§1.3), then call 1. */
  const msisdnRequestToken = async (body: Record<string, unknown>, flow: 'register' | 'add') => {
    for (const name of ['client_secret', 'country', 'phone_number', 'send_attempt']) {
      if (!(name in body)) throw new HttpError(400, 'M_MISSING_PARAM', `Missing params: ['${name}']`);
    }
    if (!CLIENT_SECRET.test(String(body.client_secret))) {
      throw new HttpError(400, 'M_INVALID_PARAM', 'Invalid client_secret parameter');
    }
    const msisdn = toMsisdn(body.country, body.phone_number);
    if (boundTo('msisdn', msisdn) !== undefined) {
      throw new HttpError(400, 'M_THREEPID_IN_USE', 'Phone number is already in use');
    }
    if (delegate() === undefined) {
      throw flow === 'register'
        ? new HttpError(400, 'M_UNKNOWN', 'Registration by phone number is not supported on this homeserver')
        : new HttpError(
            400,
            'M_THREEPID_MEDIUM_NOT_SUPPORTED',
            'Adding phone numbers to user account is not supported by this homeserver',
          );
    }
    const { country, phone_number, client_secret, send_attempt, next_link } = body;
    const { status, data } = await postToDelegate('validate/msisdn/requestToken', {
      country,
      phone_number,
      client_secret,
      send_attempt,
      ...(next_link ? { next_link } : {}),
    });
    if (status < 200 || status >= 300) {
      // `HttpResponseException.to_synapse_error()`: the delegate's status, errcode, error and extra fields.
      const { errcode, error, ...extra } = data ?? {};
      throw new HttpError(
        status,
        typeof errcode === 'string' ? errcode : 'M_UNKNOWN',
        String(error ?? ''),
        extra,
      );
    }
    return {
      ...data,
      submit_url: `${settings.publicBaseUrl ?? ''}_matrix/client/unstable/add_threepid/msisdn/submit_token`,
    };
  };

  /**
   * The module's resource, as synapse-module/ answers it: a signed body (HMAC-SHA256 over
   * `timestamp.body`, the timestamp within 300 s), then create, validate or delete.
   */
  const moduleResource = (request: IncomingMessage, raw: string, body: Record<string, unknown>) => {
    const timestamp = String(request.headers['x-matrix-3pid-timestamp'] ?? '');
    const signature = String(request.headers['x-matrix-3pid-signature'] ?? '');
    const expected = `sha256=${createHmac('sha256', settings.moduleSecret ?? '')
      .update(`${timestamp}.${raw}`)
      .digest('hex')}`;
    const fresh = /^\d+$/.test(timestamp) && Math.abs(Number(timestamp) - Date.now() / 1000) <= 300;
    if (
      !fresh ||
      signature.length !== expected.length ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
    ) {
      violations.push(`a module request with a bad signature or timestamp: ${raw}`);
      throw new HttpError(401, 'M_UNAUTHORIZED', 'Bad signature');
    }
    if (moduleMode === 'failing') throw new HttpError(500, 'M_UNKNOWN', 'Internal server error');
    const sid = String(body.sid);
    switch (body.action) {
      case 'create': {
        const existing = moduleSessions.get(sid);
        const address = String(body.address);
        const canonical =
          body.medium === 'email' ? address === address.toLowerCase().trim() : /^\d+$/.test(address);
        if (!canonical) violations.push(`a module session with a non-canonical address: ${address}`);
        if (existing && (existing.address !== address || existing.clientSecret !== body.client_secret)) {
          throw new HttpError(400, 'M_INVALID_PARAM', 'Conflicting session');
        }
        moduleSessions.set(sid, {
          medium: String(body.medium),
          address,
          clientSecret: String(body.client_secret),
          sendAttempt: Math.max(existing?.sendAttempt ?? 0, Number(body.send_attempt)),
          validatedAt: existing?.validatedAt,
          expiresAt: Number(body.expires_at_ms),
        });
        return { status: 200, body: {} };
      }
      case 'validate': {
        const session = moduleSessions.get(sid);
        if (!session) throw new HttpError(404, 'M_NOT_FOUND', 'No such session');
        session.validatedAt = Number(body.validated_at_ms);
        session.expiresAt = Number(body.expires_at_ms);
        return { status: 200, body: {} };
      }
      case 'delete':
        moduleSessions.delete(sid);
        return { status: 200, body: {} };
      default:
        throw new HttpError(400, 'M_INVALID_PARAM', 'Unknown action');
    }
  };

  const routes = async (
    request: IncomingMessage,
    path: string,
    body: Record<string, unknown>,
    raw: string,
  ) => {
    const method = request.method ?? 'GET';
    if (path === '/_synapse/client/matrix_3pid/session' && method === 'POST' && settings.moduleSecret) {
      return moduleResource(request, raw, body);
    }
    const client = /^\/_matrix\/client\/(?:r0|v3)(\/.*)$/.exec(path)?.[1];
    const admin = /^\/_synapse\/admin\/v1\/(threepid\/([^/]+)\/users\/([^/]+)|reset_password\/([^/]+))$/.exec(
      path,
    );

    if (admin) {
      requireAdmin(request);
      if (adminApi === 'failing') throw new HttpError(500, 'M_UNKNOWN', 'Internal server error');
      if (admin[2] !== undefined && method === 'GET') {
        const medium = decodeURIComponent(admin[2]);
        const address = decodeURIComponent(admin[3] ?? '');
        lookups.push({ medium, address });
        // "This must already be in canonical form" (§3): an exact match on the stored form.
        const canonical =
          medium === 'email' ? address === address.toLowerCase().trim() : /^\d+$/.test(address);
        if (!canonical) violations.push(`lookup of a non-canonical ${medium} address: ${address}`);
        const userId = boundTo(medium, address);
        if (userId === undefined) throw new HttpError(404, 'M_NOT_FOUND', 'User not found');
        return { status: 200, body: { user_id: userId } };
      }
      if (admin[4] !== undefined && method === 'POST') {
        if (adminApi === 'failing-resets') throw new HttpError(500, 'M_UNKNOWN', 'Internal server error');
        const userId = decodeURIComponent(admin[4]);
        const user = users.get(userId);
        if (!user) throw new HttpError(404, 'M_NOT_FOUND', 'User not found');
        if (typeof body.new_password !== 'string') {
          throw new HttpError(400, 'M_MISSING_PARAM', "Missing params: ['new_password']");
        }
        const logoutDevices = body.logout_devices !== false;
        resets.push({ userId, newPassword: body.new_password, logoutDevices });
        user.password = body.new_password;
        if (logoutDevices) for (const token of user.tokens) tokens.delete(token);
        return { status: 200, body: {} };
      }
      throw new HttpError(405, 'M_UNRECOGNIZED', 'Unrecognized request');
    }

    if (path === '/_matrix/client/versions' && method === 'GET') {
      return { status: 200, body: { versions: VERSIONS, unstable_features: {} } };
    }
    // The `submit_url` Synapse hands out for both msisdn flows, unstable only (§1.6): call 2.
    if (path === '/_matrix/client/unstable/add_threepid/msisdn/submit_token' && method === 'POST') {
      if (delegate() === undefined) {
        throw new HttpError(400, 'M_UNKNOWN', 'This homeserver is not validating phone numbers.');
      }
      const { client_secret, sid, token } = body;
      const { status, data } = await postToDelegate('validate/msisdn/submitToken', {
        client_secret,
        sid,
        token,
      });
      // Any failure is 400 M_UNKNOWN: the delegate's errcode is lost.
      if (status < 200 || status >= 300)
        throw new HttpError(400, 'M_UNKNOWN', 'Error contacting the identity server');
      return { status: 200, body: data ?? {} };
    }
    if (client === undefined) throw new HttpError(404, 'M_UNRECOGNIZED', 'Unrecognized request');

    if (method === 'POST' && client === '/register/msisdn/requestToken') {
      return { status: 200, body: await msisdnRequestToken(body, 'register') };
    }
    if (method === 'POST' && client === '/account/3pid/msisdn/requestToken') {
      return { status: 200, body: await msisdnRequestToken(body, 'add') };
    }
    if (method === 'POST' && client === '/register') return { status: 200, body: await register(body) };
    if (method === 'POST' && client === '/login') return { status: 200, body: passwordLogin(body) };
    if (method === 'POST' && client === '/account/password') {
      if (accessTokenOf(request) === undefined) {
        // What Synapse itself offers a logged-out client: only its own email sessions (§1.7, §2.2).
        throw new HttpError(401, 'M_UNAUTHORIZED', 'Authentication required', {
          flows: [{ stages: ['m.login.email.identity'] }],
          params: {},
          session: randomBytes(12).toString('hex'),
        });
      }
      const userId = requester(request);
      passwordStage(userId, body.auth);
      if (typeof body.new_password !== 'string')
        throw new HttpError(400, 'M_MISSING_PARAM', 'Missing new_password');
      const user = users.get(userId);
      if (user) user.password = body.new_password;
      return { status: 200, body: {} };
    }
    if (method === 'GET' && client === '/account/3pid') {
      const userId = requester(request);
      return {
        status: 200,
        body: {
          threepids: threepids
            .filter((threepid) => threepid.userId === userId)
            .map(({ medium, address, validatedAt }) => ({
              medium,
              address,
              validated_at: validatedAt,
              added_at: validatedAt,
            })),
        },
      };
    }
    if (method === 'POST' && client === '/account/3pid/add') {
      // Re-authentication, then `validate_threepid_session` with no medium check (§1.5, §2.4).
      const userId = requester(request);
      passwordStage(userId, body.auth);
      const validated = await threepidFromCreds(body);
      if (!validated) throw new HttpError(400, 'M_THREEPID_AUTH_FAILED', 'Failed to auth 3pid');
      const medium = validated.medium === 'email' ? 'email' : 'msisdn';
      const address =
        medium === 'email' ? String(validated.address).toLowerCase() : String(validated.address);
      bind(medium, address, userId);
      return { status: 200, body: {} };
    }
    throw new HttpError(404, 'M_UNRECOGNIZED', 'Unrecognized request');
  };

  /** `/register` with `registrations_require_3pid: [msisdn]`: one flow, the msisdn stage (§1.4, §1.8). */
  const register = async (body: Record<string, unknown>) => {
    const auth = body.auth as Record<string, unknown> | undefined;
    const challenge = (error?: string) =>
      new HttpError(401, error ? 'M_UNAUTHORIZED' : '', error ?? '', {
        flows: [{ stages: ['m.login.msisdn'] }],
        params: {},
        session: typeof auth?.session === 'string' ? auth.session : randomBytes(12).toString('hex'),
      });
    if (auth === undefined) throw challenge();
    if (auth.type !== 'm.login.msisdn') throw challenge('Unsupported authentication type');
    const creds = (auth.threepid_creds ?? auth.threepidCreds) as Record<string, unknown> | undefined;
    if (!creds) throw new HttpError(400, 'M_MISSING_PARAM', 'Missing threepid_creds');
    const validated = await threepidFromCreds(creds);
    if (!validated) throw challenge('Unable to get validated threepid');
    if (validated.medium !== 'msisdn') {
      throw challenge(`Expecting threepid of type 'msisdn', got '${String(validated.medium)}'`);
    }
    if (boundTo('msisdn', String(validated.address)) !== undefined) {
      throw new HttpError(400, 'M_THREEPID_IN_USE', 'Phone number is already in use');
    }
    const userId = addUser(String(body.username), String(body.password));
    // Stored verbatim, and silently skipped when incomplete ("Can't add incomplete 3pid").
    if ('address' in validated && 'validated_at' in validated)
      bind('msisdn', String(validated.address), userId);
    return {
      user_id: userId,
      access_token: login(userId),
      device_id: 'STANDIN',
      home_server: settings.serverName,
    };
  };

  const passwordLogin = (body: Record<string, unknown>) => {
    const identifier = (body.identifier ?? {}) as Record<string, unknown>;
    let userId: string | undefined;
    if (identifier.type === 'm.id.user') {
      const user = String(identifier.user);
      userId = user.startsWith('@') ? user : `@${user}:${settings.serverName}`;
    } else if (identifier.type === 'm.id.thirdparty') {
      userId = boundTo(String(identifier.medium), String(identifier.address).toLowerCase());
    } else if (identifier.type === 'm.id.phone') {
      userId = boundTo('msisdn', toMsisdn(identifier.country, identifier.phone));
    }
    if (
      body.type !== 'm.login.password' ||
      userId === undefined ||
      users.get(userId)?.password !== body.password
    ) {
      throw new HttpError(403, 'M_FORBIDDEN', 'Invalid username or password');
    }
    return { user_id: userId, access_token: login(userId), device_id: 'STANDIN' };
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        body: raw,
      });
      const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
      if (path.startsWith('/_synapse/admin/') && adminApi === 'hanging') {
        hanging.add(response);
        return;
      }
      let body: Record<string, unknown> = {};
      try {
        body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
      } catch {
        return send(response, 400, { errcode: 'M_NOT_JSON', error: 'Content not JSON.' });
      }
      routes(request, path, body, raw).then(
        (answer) => send(response, answer.status, answer.body),
        (error: unknown) => {
          if (!(error instanceof HttpError))
            return send(response, 500, { errcode: 'M_UNKNOWN', error: String(error) });
          const errcode = error.errcode === '' ? {} : { errcode: error.errcode, error: error.message };
          return send(response, error.status, { ...errcode, ...error.extra });
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    adminToken,
    threepids,
    requests,
    resets,
    lookups,
    violations,
    delegateCalls,
    moduleSessions,
    setModule: (mode) => {
      moduleMode = mode;
    },
    configure: (more) => {
      settings = { ...settings, ...more };
    },
    addUser,
    bind,
    passwordOf: (userId) => users.get(userId)?.password,
    login,
    setAdminApi: (mode) => {
      adminApi = mode;
      if (mode !== 'hanging') for (const response of hanging) response.destroy();
    },
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function accessTokenOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return new URL(request.url ?? '/', 'http://stand-in').searchParams.get('access_token') ?? undefined;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}
