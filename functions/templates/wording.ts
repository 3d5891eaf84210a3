import type { Purpose } from '../core/model.js';

/** What each purpose is called in messages and pages. */
export interface PurposeWording {
  readonly emailSubject: string;
  /** Why the message was sent, for the body of an email. */
  readonly whyEmail: string;
  /** What confirming will do, for the confirmation page. */
  readonly confirmQuestion: string;
  readonly confirmButton: string;
  /** What to do next once confirmed. */
  readonly nextStep: string;
}

export function purposeWording(purpose: Purpose, serverName: string): PurposeWording {
  switch (purpose) {
    case 'registration':
      return {
        emailSubject: `[${serverName}] Validate your email`,
        whyEmail: `Someone, probably you, asked to create an account on ${serverName} with this email address.`,
        confirmQuestion: `Confirm that you want to use this email address for your new account on ${serverName}.`,
        confirmButton: 'Confirm my email address',
        nextStep: 'Go back to your Matrix app to finish creating your account.',
      };
    case 'password_reset':
      return {
        emailSubject: `[${serverName}] Password reset`,
        whyEmail: `Someone, probably you, asked to reset the password of the account on ${serverName} that uses this email address.`,
        confirmQuestion: `Confirm that you want to reset the password of your account on ${serverName}.`,
        confirmButton: 'Confirm password reset',
        nextStep: 'Go back to your Matrix app to choose a new password.',
      };
    case 'delegated':
      return {
        emailSubject: `[${serverName}] Validate your email`,
        whyEmail: `Someone, probably you, asked to use this email address on ${serverName}.`,
        confirmQuestion: `Confirm that you want to use this email address on ${serverName}.`,
        confirmButton: 'Confirm my email address',
        nextStep: 'Go back to your Matrix app to finish.',
      };
    case 'add_threepid':
      return {
        emailSubject: `[${serverName}] Validate your email`,
        whyEmail: `Someone, probably you, asked to add this email address to an account on ${serverName}.`,
        confirmQuestion: `Confirm that you want to add this email address to your account on ${serverName}.`,
        confirmButton: 'Confirm my email address',
        nextStep: 'Go back to your Matrix app to finish adding it.',
      };
  }
}

/** "1 hour", "10 minutes", "90 minutes": whole hours when exact, else minutes. */
export function describeDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return `${hours} hour${hours === 1 ? '' : 's'}`;
  }
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
