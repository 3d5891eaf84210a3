import { MatrixError } from '../core/errors.js';
import type { MsisdnTokenResult } from '../core/request-msisdn-token.js';
import type {
  ClientNetworks,
  EmailTokenRequest,
  MsisdnTokenRequest,
  RequestToken,
} from '../core/request-token.js';
import { jsonErrorResponse } from '../http/errors.js';
import { unrecognized } from '../http/http-errors.js';
import { type HttpEvent, httpPipeline, type PipelineDeps } from '../http/middleware.js';
import { type Fields, jsonBody, jsonOrFormBody, readFields } from '../http/request.js';
import { jsonResponse } from '../http/responses.js';
import { requireRoute } from '../http/routes.js';

/** The requestToken use cases this function serves: one per medium, as each medium has its own sender. */
export interface RequestTokenDeps extends PipelineDeps {
  readonly email?: RequestToken<EmailTokenRequest>;
  readonly msisdn?: RequestToken<MsisdnTokenRequest, MsisdnTokenResult>;
  /** The client's networks, as the rate limits key them, by the configured source of the client IP. */
  readonly clientOf: (event: HttpEvent) => ClientNetworks;
  /**
   * The locale the session's messages and pages will be in, negotiated from the request's
   * `Accept-Language`; the default when it names none the service has.
   */
  readonly localeOf: (event: HttpEvent) => string;
}

const COMMON = {
  client_secret: 'string',
  send_attempt: 'send-attempt',
  next_link: 'optional-string',
  id_server: 'optional-string',
  id_access_token: 'optional-string',
} as const;
const EMAIL_FIELDS = { ...COMMON, email: 'string' } as const;
const MSISDN_FIELDS = { ...COMMON, country: 'string', phone_number: 'string' } as const;

function common(fields: Fields<typeof COMMON>, client: ClientNetworks, locale: string) {
  // The homeserver validates by itself, so id_server is ignored; but the spec still requires its token.
  if (fields.id_server !== undefined && fields.id_access_token === undefined) {
    throw MatrixError.invalidParam('id_access_token is required when id_server is given.');
  }
  return {
    clientSecret: fields.client_secret,
    sendAttempt: fields.send_attempt,
    nextLink: fields.next_link,
    locale,
    client,
  };
}

/**
 * POST …/{register,account/password,account/3pid}/{email,msisdn}/requestToken, and the identity
 * API's `/validate/msisdn/requestToken`, which Synapse calls on its msisdn delegate.
 */
export function makeRequestTokenHandler(deps: RequestTokenDeps) {
  return httpPipeline({ ...deps, errors: jsonErrorResponse }, async (event) => {
    const { purpose, medium, api } = requireRoute(event, 'requestToken');
    if (!purpose || !medium) throw new Error('requestToken routes name a purpose and a medium');
    const body = api === 'identity' ? jsonOrFormBody(event) : jsonBody(event);
    if (medium === 'email') {
      if (!deps.email) throw unrecognized(404);
      const fields = readFields(body, EMAIL_FIELDS);
      const result = await deps.email({
        ...common(fields, deps.clientOf(event), deps.localeOf(event)),
        purpose,
        medium,
        email: fields.email,
      });
      return jsonResponse(200, { sid: result.sid });
    }
    if (!deps.msisdn) throw unrecognized(404);
    const fields = readFields(body, MSISDN_FIELDS);
    const result = await deps.msisdn({
      ...common(fields, deps.clientOf(event), deps.localeOf(event)),
      purpose,
      medium,
      country: fields.country,
      phoneNumber: fields.phone_number,
    });
    const phone = { msisdn: result.phone.msisdn, intl_fmt: result.phone.international };
    // The identity API answers as Sydent does; the homeserver adds its own submit_url.
    if (api === 'identity') return jsonResponse(200, { success: true, sid: result.sid, ...phone });
    return jsonResponse(200, { sid: result.sid, submit_url: result.submitUrl, ...phone });
  });
}
