import type { GetValidatedThreepid } from '../core/validated-threepid.js';
import { jsonErrorResponse } from '../http/errors.js';
import { httpPipeline, type PipelineDeps } from '../http/middleware.js';
import { queryParams, readFields } from '../http/request.js';
import { jsonResponse } from '../http/responses.js';
import { requireRoute } from '../http/routes.js';

export interface GetValidated3pidDeps extends PipelineDeps {
  readonly getValidatedThreepid: GetValidatedThreepid;
}

const FIELDS = { sid: 'string', client_secret: 'string' } as const;

/** GET /_matrix/identity/{v2,api/v1}/3pid/getValidated3pid: the homeserver asks whether a session was validated. */
export function makeGetValidated3pidHandler(deps: GetValidated3pidDeps) {
  return httpPipeline({ ...deps, errors: jsonErrorResponse }, async (event) => {
    requireRoute(event, 'getValidated3pid');
    const fields = readFields(queryParams(event), FIELDS);
    const validated = await deps.getValidatedThreepid(fields.sid, fields.client_secret);
    return jsonResponse(200, {
      medium: validated.medium,
      address: validated.address,
      validated_at: validated.validatedAt,
    });
  });
}
