import { homeserverForwarder } from '../adapters/homeserver/forward.js';
import { frontDoorOf } from '../composition.js';
import { makeResetPassword } from '../core/reset-password.js';
import { makeAccountPasswordHandler } from '../handlers/account-password.js';

import { requestConfig as config, storeEssentialsAndAdmin } from './request-runtime.js';
import { logger } from './runtime.js';

/**
 * POST …/account/password: a password reset completed through Synapse's admin API, and a
 * logged-in password change handed to the homeserver. Deployed only with both configured.
 */
const { store, base, admin, clientIp } = await storeEssentialsAndAdmin();
if (!admin || !config.homeserverUrl) {
  throw new Error('account/password needs the homeserver (HOMESERVER_URL) and its admin token.');
}

export const handler = makeAccountPasswordHandler({
  resetPassword: makeResetPassword({
    ...base,
    store,
    directory: admin,
    accounts: admin,
    passwordMinLength: config.passwordMinLength,
  }),
  forward: homeserverForwarder(config.homeserverUrl),
  logger,
  frontDoor: frontDoorOf(clientIp),
});
