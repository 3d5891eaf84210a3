import { checkedPresentation } from '../../functions/templates/checks.js';
import type { Presentation, PresentationOptions } from '../../functions/templates/presentation.js';

/** The defaults, for `example.org` unless a test names another server, in English unless told. */
export function testPresentation(options: Partial<PresentationOptions> = {}): Presentation {
  return checkedPresentation({ serverName: 'example.org', defaultLocale: 'en', ...options });
}
