import type { PreviewSession } from '../core/preview.js';
import type { SubmitToken } from '../core/submit-token.js';
import { httpPipeline, type PipelineDeps } from '../http/middleware.js';
import { pageErrorResponse } from '../http/page-errors.js';
import { formBody, queryParams, readFields } from '../http/request.js';
import { htmlResponse, redirectResponse } from '../http/responses.js';
import { requireRoute } from '../http/routes.js';
import { confirmedPage, confirmPage, contentSecurityPolicy } from '../templates/pages.js';

export interface EmailLinkDeps extends PipelineDeps {
  readonly submitToken: SubmitToken;
  readonly previewSession: PreviewSession;
  readonly serverName: string;
  readonly nextLinkAllowedHosts: readonly string[];
}

/** Links carry the sid and the token; links sent before they stopped carrying it also have client_secret. */
const FIELDS = { sid: 'string', client_secret: 'optional-string', token: 'string' } as const;

/**
 * …/validate/email/confirm: the link in the email. GET and HEAD only show a page with a Confirm
 * button and change nothing, so link scanners cannot validate; the button's POST validates.
 */
export function makeEmailLinkHandler(deps: EmailLinkDeps) {
  const csp = contentSecurityPolicy(deps.nextLinkAllowedHosts);
  return httpPipeline({ ...deps, errors: (error) => pageErrorResponse(error, csp) }, async (event) => {
    const { method } = requireRoute(event, 'emailLink');
    if (method === 'POST') {
      const fields = readFields(formBody(event), FIELDS);
      const result = await deps.submitToken({
        sid: fields.sid,
        clientSecret: fields.client_secret,
        token: fields.token,
        medium: 'email',
      });
      if (result.nextLink) return redirectResponse(result.nextLink, csp);
      return htmlResponse(200, confirmedPage(result.purpose, deps.serverName, result.alreadyValidated), csp);
    }
    const fields = readFields(queryParams(event), FIELDS);
    const preview = await deps.previewSession(fields.sid, fields.client_secret);
    const page = preview.validated
      ? confirmedPage(preview.purpose, deps.serverName, true)
      : confirmPage(preview.purpose, deps.serverName, formAction(event.rawPath), {
          sid: fields.sid,
          clientSecret: fields.client_secret,
          token: fields.token,
        });
    const response = htmlResponse(200, page, csp);
    return method === 'HEAD' ? { ...response, body: '' } : response;
  });
}

/** Relative, so the form posts back to this same path behind any proxy prefix. */
function formAction(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
