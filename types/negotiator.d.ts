/** negotiator's Accept-Language negotiation alone (lib/language.js), without the rest of the package. */
declare module 'negotiator/lib/language.js' {
  /**
   * The `provided` languages acceptable to `accept`, best first, by quality, then specificity
   * (`de-CH` accepts `de`), then the header's order and `provided`'s.
   */
  function preferredLanguages(accept: string | undefined, provided?: string[]): string[];
  export default preferredLanguages;
}
