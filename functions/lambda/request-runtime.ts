/**
 * What the functions that send messages or ask the homeserver share (the two requestToken
 * functions and the password reset), on top of runtime.ts: the whole configuration (senders,
 * policies, limits), the abuse controls, and Synapse's admin API, its token read from Secrets
 * Manager at cold start alongside the HMAC key. Kept apart so the other functions carry none of it.
 */
import { fetchSynapseAdminToken } from '../adapters/secrets/synapse-admin-token.js';
import type { SynapseAdmin } from '../adapters/synapse/synapse-admin.js';
import { type AbuseControls, abuseControls, type Essentials, synapseAdminOf } from '../composition.js';
import { type LambdaConfig, loadLambdaConfig } from '../config.js';
import { secretOf, storeAndEssentials, tableClient } from './runtime.js';

export const requestConfig: LambdaConfig = loadLambdaConfig(process.env);

/** The store and essentials of runtime.ts, and Synapse's admin API when the deployment has one. */
export async function storeEssentialsAndAdmin() {
  const [ready, admin] = await Promise.all([storeAndEssentials(), synapseAdmin()]);
  return { ...ready, admin };
}

/** The abuse controls requestToken runs under, over the function's table (see composition.ts). */
export function requestControls(base: Essentials): AbuseControls {
  return abuseControls(
    requestConfig,
    { client: tableClient(), tableName: requestConfig.tableName },
    base.clock,
  );
}

async function synapseAdmin(): Promise<SynapseAdmin | undefined> {
  const source = requestConfig.synapseAdminToken;
  if (source === undefined) return undefined;
  return synapseAdminOf(requestConfig, await secretOf(source, fetchSynapseAdminToken));
}
