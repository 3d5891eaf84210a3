/**
 * What the functions that ask the homeserver share (requestToken, which asks Synapse who an
 * address belongs to, and the password reset): Synapse's admin API, its token read from Secrets
 * Manager at cold start alongside the HMAC key. Kept apart from runtime.ts so the functions that
 * never call Synapse do not carry its adapter.
 */
import { fetchSynapseAdminToken } from '../adapters/secrets/synapse-admin-token.js';
import type { SynapseAdmin } from '../adapters/synapse/synapse-admin.js';
import { synapseAdminOf } from '../composition.js';
import { config, secretsClient, storeAndEssentials } from './runtime.js';

/** The store and essentials of runtime.ts, and Synapse's admin API when the deployment has one. */
export async function storeEssentialsAndAdmin() {
  const [ready, admin] = await Promise.all([storeAndEssentials(), synapseAdmin()]);
  return { ...ready, admin };
}

async function synapseAdmin(): Promise<SynapseAdmin | undefined> {
  const source = config.synapseAdminToken;
  if (source === undefined) return undefined;
  const token =
    'value' in source ? source.value : await fetchSynapseAdminToken(secretsClient(), source.secretArn);
  return synapseAdminOf(config, token);
}
