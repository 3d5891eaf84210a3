import type { Logger } from '@aws-lambda-powertools/logger';
import { MatrixError } from '../core/errors.js';
import type { ThreepidValidation, TokenRequest } from '../core/validation.js';
import { httpPipeline } from '../http/middleware.js';
import { type Fields, jsonBody, readFields } from '../http/request.js';
import { jsonResponse } from '../http/responses.js';
import { requireRoute } from '../http/routes.js';

export interface RequestTokenDeps {
  readonly validation: ThreepidValidation;
  readonly logger: Logger;
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

/** POST …/{register,account/password,account/3pid}/{email,msisdn}/requestToken */
export function makeRequestTokenHandler(deps: RequestTokenDeps) {
  return httpPipeline({ logger: deps.logger, errors: 'json' }, async (event) => {
    const { purpose, medium } = requireRoute(event, 'requestToken');
    if (!purpose || !medium) throw new Error('requestToken routes name a purpose and a medium');
    const body = jsonBody(event);
    const base = (fields: Fields<typeof COMMON>) => {
      // The homeserver validates by itself, so id_server is ignored; but the spec still requires its token.
      if (fields.id_server !== undefined && fields.id_access_token === undefined) {
        throw MatrixError.invalidParam('id_access_token is required when id_server is given.');
      }
      return {
        purpose,
        clientSecret: fields.client_secret,
        sendAttempt: fields.send_attempt,
        nextLink: fields.next_link,
      };
    };
    let request: TokenRequest;
    if (medium === 'email') {
      const fields = readFields(body, EMAIL_FIELDS);
      request = { ...base(fields), medium, email: fields.email };
    } else {
      const fields = readFields(body, MSISDN_FIELDS);
      request = {
        ...base(fields),
        medium: 'msisdn',
        country: fields.country,
        phoneNumber: fields.phone_number,
      };
    }
    const result = await deps.validation.requestToken(request);
    if (!result.phone) return jsonResponse(200, { sid: result.sid });
    return jsonResponse(200, {
      sid: result.sid,
      submit_url: result.submitUrl,
      msisdn: result.phone.msisdn,
      intl_fmt: result.phone.international,
    });
  });
}
