/** Where the Synapse module listens below the homeserver's origin (synapse-module/README.md). */
export const SYNAPSE_MODULE_PATH = '/_synapse/client/matrix_3pid/session';
