import type { Medium } from '../core/model.js';
import type { ValidationLinks } from '../core/ports.js';
import { emailConfirmPath, submitTokenPath } from './routes.js';

/**
 * Public URLs, always built from the configured base URL and never from the request's Host
 * header, so a forged Host cannot redirect links. A base URL with a path keeps it.
 */
export function validationLinks(publicBaseUrl: string): ValidationLinks {
  const resolve = (path: string) => new URL(path.replace(/^\//, ''), publicBaseUrl);
  return {
    emailConfirmation({ sid, token }) {
      const url = resolve(emailConfirmPath());
      url.search = new URLSearchParams({ sid, token }).toString();
      return url.href;
    },
    submitUrl(medium: Medium) {
      return resolve(submitTokenPath(medium)).href;
    },
  };
}
