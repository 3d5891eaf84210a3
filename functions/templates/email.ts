import type { Notice, ValidationEmail } from '../core/ports.js';
import type { Presentation } from './presentation.js';

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * The validation email, as plain text and HTML, in the session's language. Its button opens the
 * confirmation page, which has the button that confirms: the email says so, so nobody takes the
 * first click for the confirmation.
 */
export function renderValidationEmail(email: ValidationEmail, look: Presentation): RenderedEmail {
  const lang = look.localeOf(email.locale);
  const subject = look.text(lang, `email.subject.${email.purpose}`);
  const words = {
    lang,
    subject,
    brand: look.brand,
    serverName: look.serverName,
    greeting: look.text(lang, 'email.greeting'),
    why: look.text(lang, `email.why.${email.purpose}`),
    action: look.text(lang, 'email.action'),
    link: email.link,
    button: look.text(lang, 'email.button'),
    copyHint: look.text(lang, 'email.copy'),
    expiry: look.text(lang, 'email.expiry', { duration: look.duration(lang, email.validForMs) }),
    ignore: look.text(lang, 'email.ignore'),
  };
  return bothParts(look, 'email', lang, words);
}

/**
 * What a decoy session emails instead of a token (uniform responses): that the address already
 * has an account, so the person can reset its password instead; or that no account uses it. It
 * carries no link of ours, so it is useless to whoever triggered it.
 */
export function renderNoticeEmail(notice: Notice, look: Presentation): RenderedEmail {
  const lang = look.localeOf(notice.locale);
  const reason = notice.reason === 'address-in-use' ? 'in_use' : 'no_account';
  const subject = look.text(lang, `notice.subject.${reason}`);
  const words = {
    lang,
    subject,
    brand: look.brand,
    serverName: look.serverName,
    greeting: look.text(lang, 'email.greeting'),
    why: look.text(lang, `notice.why.${reason}`),
    ignore: look.text(lang, 'email.ignore'),
  };
  return bothParts(look, 'notice-email', lang, words);
}

/** An email's text and HTML parts from its templates, each with the support line in its form. */
function bothParts(
  look: Presentation,
  template: 'email' | 'notice-email',
  lang: string,
  words: { readonly subject: string } & Readonly<Record<string, string>>,
): RenderedEmail {
  return {
    subject: words.subject,
    text: look.render(`${template}.txt`, { ...words, support: look.support(lang, false) }),
    html: look.render(`${template}.html`, { ...words, support: look.support(lang, true) }),
  };
}
