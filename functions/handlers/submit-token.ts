import type { SubmitToken } from '../core/submit-token.js';
import { jsonErrorResponse } from '../http/errors.js';
import { httpPipeline, type PipelineDeps } from '../http/middleware.js';
import { jsonBody, jsonOrFormBody, readFields } from '../http/request.js';
import { jsonResponse } from '../http/responses.js';
import { requireRoute } from '../http/routes.js';

export interface SubmitTokenDeps extends PipelineDeps {
  readonly submitToken: SubmitToken;
}

const FIELDS = { sid: 'string', client_secret: 'string', token: 'string' } as const;

/** POST …/validate/{email,msisdn}/submitToken: the `submit_url` clients post SMS codes (or email tokens) to. */
export function makeSubmitTokenHandler(deps: SubmitTokenDeps) {
  return httpPipeline({ ...deps, errors: jsonErrorResponse }, async (event) => {
    const { medium, api } = requireRoute(event, 'submitToken');
    if (!medium) throw new Error('submitToken routes name a medium');
    const fields = readFields(api === 'identity' ? jsonOrFormBody(event) : jsonBody(event), FIELDS);
    await deps.submitToken({
      sid: fields.sid,
      clientSecret: fields.client_secret,
      token: fields.token,
      medium,
    });
    return jsonResponse(200, { success: true });
  });
}
