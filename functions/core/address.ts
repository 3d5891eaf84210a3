import { canonicalEmail } from './email-address.js';
import { MatrixError } from './errors.js';
import type { Medium } from './model.js';

/**
 * Canonicalises an address that is already stored somewhere, e.g. in a bindings file. A stored
 * phone number is taken as E.164 digits; it is not re-validated (that needs libphonenumber).
 */
export function canonicalAddress(medium: Medium, address: string): string {
  if (medium === 'email') return canonicalEmail(address);
  const digits = address.replace(/[\s()+-]/g, '');
  if (!/^[1-9]\d{4,14}$/.test(digits)) throw MatrixError.invalidParam('The phone number is not valid.');
  return digits;
}
