import type { PreviewSession } from '../core/preview.js';
import type { SubmitToken } from '../core/submit-token.js';
import { type HttpEvent, httpPipeline, type PipelineDeps } from '../http/middleware.js';
import { pageErrorResponse } from '../http/page-errors.js';
import { formBody, queryParams, readFields } from '../http/request.js';
import { htmlResponse, redirectResponse } from '../http/responses.js';
import { requireRoute } from '../http/routes.js';
import { confirmedPage, confirmPage, contentSecurityPolicy } from '../templates/pages.js';
import type { Presentation } from '../templates/presentation.js';

export interface EmailLinkDeps extends PipelineDeps {
  readonly submitToken: SubmitToken;
  readonly previewSession: PreviewSession;
  /** The catalogs, templates and brand the pages are made of. */
  readonly presentation: Presentation;
  readonly nextLinkAllowedHosts: readonly string[];
}

/** Links carry the sid and the token; links sent before they stopped carrying it also have client_secret. */
const FIELDS = { sid: 'string', client_secret: 'optional-string', token: 'string' } as const;

/**
 * …/validate/email/confirm: the link in the email. GET and HEAD only show a page with a Confirm
 * button and change nothing, so link scanners cannot validate; the button's POST validates. Every
 * page is in the session's language; a page about a session that cannot be found is in the
 * browser's.
 */
export function makeEmailLinkHandler(deps: EmailLinkDeps) {
  const look = deps.presentation;
  const csp = contentSecurityPolicy(look, deps.nextLinkAllowedHosts);
  return httpPipeline(
    {
      ...deps,
      errors: (error, event) => pageErrorResponse(error, look, requestLocale(look, event), csp),
    },
    async (event) => {
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
        return htmlResponse(200, confirmedPage(look, result, result.alreadyValidated), csp);
      }
      const fields = readFields(queryParams(event), FIELDS);
      const preview = await deps.previewSession(fields.sid, fields.client_secret, fields.token);
      const response =
        preview.state === 'refused'
          ? pageErrorResponse(preview.error, look, look.localeOf(preview.locale), csp)
          : htmlResponse(
              200,
              preview.state === 'confirmed'
                ? confirmedPage(look, preview, true)
                : confirmPage(look, preview, formAction(event.rawPath), {
                    sid: fields.sid,
                    clientSecret: fields.client_secret,
                    token: fields.token,
                  }),
              csp,
            );
      return method === 'HEAD' ? { ...response, body: '' } : response;
    },
  );
}

/**
 * The language of a page that has no session to go by: the one the confirmation page posted back
 * (the session's), else the browser's.
 */
function requestLocale(look: Presentation, event: HttpEvent): string {
  if (event.requestContext.http.method === 'POST') {
    try {
      const posted = formBody(event).locale;
      if (posted !== undefined && look.locales.includes(posted)) return posted;
    } catch {
      // An unreadable body: the browser's language, then.
    }
  }
  return look.negotiate(event.headers['accept-language']);
}

/** Relative, so the form posts back to this same path behind any proxy prefix. */
function formAction(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
