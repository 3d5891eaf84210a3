import { createHash } from 'node:crypto';
import type { Purpose } from '../core/model.js';
import { html, SafeHtml } from './html.js';
import type { Presentation } from './presentation.js';

/**
 * A CSP that allows no script, no external resource and no framing; the only style is page.css,
 * allowed by its hash. Form submissions may go to this origin, and the redirect that follows a
 * confirmation may go to the next_link hosts (browsers apply form-action to redirects too): only
 * the allowed hosts when a list is configured.
 */
export function contentSecurityPolicy(look: Presentation, nextLinkAllowedHosts: readonly string[]): string {
  const redirectTargets =
    nextLinkAllowedHosts.length === 0
      ? ['https:', 'http:']
      : nextLinkAllowedHosts.flatMap((host) => [`https://${host}`, `http://${host}`]);
  const styleHash = createHash('sha256').update(look.template('page.css')).digest('base64');
  return [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action 'self' ${redirectTargets.join(' ')}`,
  ].join('; ');
}

/** A page in `lang`: its content inside the layout, with the brand, the server and the support line. */
function page(look: Presentation, lang: string, title: string, content: string): string {
  return look.render('page.html', {
    lang,
    title,
    brand: look.brand,
    serverLabel: look.text(lang, 'page.server'),
    serverName: look.serverName,
    style: new SafeHtml(look.template('page.css')),
    content: new SafeHtml(content),
    support: look.support(lang, true),
  });
}

export interface ConfirmPageFields {
  readonly sid: string;
  /** Only on links sent before links stopped carrying it. */
  readonly clientSecret: string | undefined;
  readonly token: string;
}

export interface PageSession {
  readonly purpose: Purpose;
  /** The address being confirmed. */
  readonly address: string;
  /** The session's language; undefined: the default. */
  readonly locale: string | undefined;
}

/**
 * The page an emailed link opens: which address, on which server, for what, and the button. It
 * validates nothing: the hidden fields are posted back only when a person presses the button, so
 * mail scanners that fetch links cannot confirm anything. The session's locale goes along, so
 * whatever page answers the button speaks the same language.
 */
export function confirmPage(
  look: Presentation,
  session: PageSession,
  formAction: string,
  fields: ConfirmPageFields,
): string {
  const lang = look.localeOf(session.locale);
  const title = look.text(lang, 'page.confirm.title');
  const hiddenFields = html`<input type="hidden" name="sid" value="${fields.sid}">
${fields.clientSecret === undefined ? '' : html`<input type="hidden" name="client_secret" value="${fields.clientSecret}">\n`}<input type="hidden" name="token" value="${fields.token}">
<input type="hidden" name="locale" value="${lang}">`;
  const content = look.render('confirm.html', {
    title,
    intro: look.text(lang, `page.confirm.intro.${session.purpose}`),
    addressLabel: look.text(lang, 'page.address'),
    address: session.address,
    serverLabel: look.text(lang, 'page.server'),
    serverName: look.serverName,
    action: formAction,
    hiddenFields,
    button: look.text(lang, `page.confirm.button.${session.purpose}`),
    ignore: look.text(lang, 'page.confirm.ignore'),
  });
  return page(look, lang, title, content);
}

/** After the button (or a second visit): confirmed, and what to do next. */
export function confirmedPage(look: Presentation, session: PageSession, alreadyConfirmed: boolean): string {
  const lang = look.localeOf(session.locale);
  const title = look.text(lang, alreadyConfirmed ? 'page.confirmed.already' : 'page.confirmed.title');
  const content = look.render('confirmed.html', {
    title,
    addressLabel: look.text(lang, 'page.address'),
    address: session.address,
    serverLabel: look.text(lang, 'page.server'),
    serverName: look.serverName,
    next: look.text(lang, `page.confirmed.next.${session.purpose}`),
  });
  return page(look, lang, title, content);
}

/** A page that says what went wrong and what to do: `kind` names its two messages (`error.<kind>.*`). */
export function errorPage(look: Presentation, lang: string, kind: string): string {
  const title = look.text(lang, `error.${kind}.title`);
  return page(
    look,
    lang,
    title,
    look.render('error.html', { title, text: look.text(lang, `error.${kind}.text`) }),
  );
}

/** Local mode only: where a walk-through's next_link lands, standing in for the Matrix client. */
export function backPage(look: Presentation, lang: string, sid: string): string {
  const title = look.text(lang, 'back.title');
  return page(
    look,
    lang,
    title,
    look.render('back.html', { title, text: look.text(lang, 'back.text'), sid }),
  );
}
