import { MemorySessionStore } from '../helpers/memory-session-store.js';
import { describeSessionStoreContract } from './session-store-contract.js';

// The fake every core test uses must behave like DynamoDB; this is the same contract.
describeSessionStoreContract('in-memory fake used by core tests', async () => ({
  store: new MemorySessionStore(),
}));
