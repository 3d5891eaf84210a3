/**
 * `npm start`: the service on this machine, with its embedded defaults. Configuration comes from
 * environment variables (see the README); a bad value stops it with a message naming the variable.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { existsSync, readFileSync } = await import('node:fs');
if (process.argv.includes('--help') || process.argv.includes('-h') || process.argv.includes('--version')) {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  if (process.argv.includes('--version')) console.log(version);
  else console.log((await import('./help.js')).helpText(version));
  process.exit(0);
}
// A .env file in the working directory, as .env.example describes; the environment wins over it.
if (existsSync('.env')) process.loadEnvFile('.env');

const { ConfigError, loadLocalConfig } = await import('../config.js');
const { startLocalServer, OUTBOX_PATH, HEALTH_PATH } = await import('./server.js');

let config: ReturnType<typeof loadLocalConfig>;
try {
  config = loadLocalConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

let server: Awaited<ReturnType<typeof startLocalServer>>;
try {
  server = await startLocalServer({ config, print: (text) => console.log(text) });
} catch (error) {
  console.error(`Could not start: ${(error as Error).message}`);
  process.exit(1);
}

const base = server.publicBaseUrl;
const homeserver = config.homeserverUrl;
const directory = config.synapseAdminToken
  ? `Synapse's admin API at ${config.synapseAdminUrl} (and the password reset is served here)`
  : (config.threepidBindingsFile ?? 'none (no address belongs to an account)');
// Email registration is the homeserver's when one is behind the service: try a route served here.
const tryIt = homeserver
  ? `curl -s -X POST ${base}_matrix/client/v3/register/msisdn/requestToken \\
    -H 'Content-Type: application/json' \\
    -d '{"client_secret":"my-first-secret","country":"GB","phone_number":"07400 123456","send_attempt":1}'
Then read the code printed below.`
  : `curl -s -X POST ${base}_matrix/client/v3/register/email/requestToken \\
    -H 'Content-Type: application/json' \\
    -d '{"client_secret":"my-first-secret","email":"alice@example.org","send_attempt":1}'
Then open the link printed below and press the button.`;
console.log(`
matrix-3pid-serverless is running locally.
  listening on   ${server.url}
  public URL     ${base}
  server name    ${config.serverName}
  sessions       ${server.storage}
  token key      ${server.secretSource}
  messages       printed below, and listed at ${new URL(OUTBOX_PATH.slice(1), base).href}
  homeserver     ${homeserver ? `${homeserver}: every request not served here goes there` : 'none (other paths answer 404)'}
  bindings       ${directory}
  rate limits    ${config.rateLimits === 'off' ? 'off (RATE_LIMITS=off)' : 'on, as on AWS (RATE_LIMITS=off turns them off locally)'}
  SMS countries  ${config.smsPolicy.countries === '*' ? 'every country (SMS_ALLOWED_COUNTRIES)' : config.smsPolicy.countries.join(', ') || 'none'}
  health         ${server.url}${HEALTH_PATH}
  settings       npm start -- --help lists them all

Try it:
  ${tryIt} Ctrl+C stops the server.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    server.close().then(() => process.exit(0));
  });
}
