/**
 * The Lambda functions as deployed, and what each one is bound to. requestToken is split by
 * medium, so the email function alone can use SES and the SMS function alone can use SNS.
 * test/lambda/iam.test.ts runs each entry through every flow it serves and checks that the
 * actions these bindings grant, and on which keys of the table, are exactly the ones its code sends.
 */
import { COUNTER_KEY_PREFIX } from '../functions/adapters/dynamodb/rate-limiter.js';
import { SWITCHES_KEY } from '../functions/adapters/dynamodb/sending-switches.js';
import type { Route } from '../functions/http/routes.js';

export type FunctionName =
  | 'accountPassword'
  | 'requestEmailToken'
  | 'requestMsisdnToken'
  | 'submitToken'
  | 'emailLink'
  | 'getValidated3pid'
  | 'fallback';

/**
 * The kinds of item in the sessions table, each known by the start of its key. A table binding
 * names one kind, and its grant holds only for keys with that prefix (`dynamodb:LeadingKeys`).
 */
export type TableItems = 'sessions' | 'counters' | 'switches';

/**
 * The key prefix of each kind of item. Sessions are `session#<key>` (DynamoDbSessionStore, which
 * does not export its prefix; test/lambda/iam.test.ts records every key the code sends and fails
 * on one outside its grant), rate-limit counters `rl#<key>#<day>`, the kill switch `cfg#switches`.
 */
export const KEY_PREFIXES: Readonly<Record<TableItems, string>> = {
  sessions: 'session#',
  counters: COUNTER_KEY_PREFIX,
  switches: SWITCHES_KEY.slice(0, SWITCHES_KEY.indexOf('#') + 1),
};

/** What the code may do to each kind of item. */
export interface TableItemActions {
  /**
   * The calls DynamoDbSessionStore makes: load → GetItem, send and recordGuess → UpdateItem (and a
   * GetItem when a refused write comes back without the item, as on dynalite), save → PutItem,
   * remove → DeleteItem.
   */
  readonly sessions: 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:DeleteItem' | 'dynamodb:UpdateItem';
  /** DynamoDbRateLimiter: a charge is one UpdateItem; a refusal without the item reads it once. */
  readonly counters: 'dynamodb:UpdateItem' | 'dynamodb:GetItem';
  /** DynamoDbSendingSwitches reads the switches; only an operator writes them. */
  readonly switches: 'dynamodb:GetItem';
}
export type TableAction = TableItemActions[TableItems];

/** Exactly these actions on one kind of item of the table, whose name is put in `env`. */
export type TableBinding = {
  [I in TableItems]: {
    readonly kind: 'table';
    readonly table: 'sessions';
    readonly env: 'TABLE_NAME';
    readonly items: I;
    readonly actions: readonly TableItemActions[I][];
  };
}[TableItems];

/**
 * Something a function uses, with its permission and the variable it is found by. The construct
 * applies each kind in one place (MatrixThreepidValidation.applyBinding).
 */
export type Binding =
  /**
   * How much of the environment the code reads at cold start: the whole runtime configuration
   * (functions/config.ts `loadLambdaConfig`), the settings every function reads
   * (`loadCoreLambdaConfig`, SERVICE_SETTINGS), or only the log level. A function is given those
   * variables and no others.
   */
  | { readonly kind: 'configuration'; readonly reads: 'all' | 'core' | 'logLevel' }
  | TableBinding
  /**
   * GetSecretValue on the secret, whose ARN is put in `env`; it is read at cold start. The Synapse
   * admin token exists only when the deployment has a homeserver admin API, CloudFront's origin
   * secret only behind the CloudFront front door; without them, the binding gives nothing.
   */
  | { readonly kind: 'secret'; readonly secret: 'tokenHmac'; readonly env: 'TOKEN_HMAC_SECRET_ARN' }
  | {
      readonly kind: 'secret';
      readonly secret: 'synapseAdminToken';
      readonly env: 'SYNAPSE_ADMIN_TOKEN_SECRET_ARN';
    }
  | {
      readonly kind: 'secret';
      readonly secret: 'synapseModuleSecret';
      readonly env: 'SYNAPSE_MODULE_SECRET_ARN';
    }
  /** What CloudFront sends as `X-Origin-Verify`; only with the CloudFront front door. */
  | {
      readonly kind: 'secret';
      readonly secret: 'cloudfrontOrigin';
      readonly env: 'CLOUDFRONT_ORIGIN_SECRET_ARN';
    }
  /** Email through SES as the From address only, or SMS through SNS to phone numbers only. */
  | { readonly kind: 'sender'; readonly sends: 'email' | 'sms' }
  /**
   * It renders mail, SMS or pages: the default templates and catalogs are copied beside its
   * bundle, and the operator's `templatesDir` too, named by TEMPLATES_DIR.
   */
  | { readonly kind: 'templates' }
  /**
   * Publishes the domain events as CloudWatch metrics, as EMF lines on stdout, into the namespace
   * put in `env`. No permission: CloudWatch Logs makes the metrics from the function's log group.
   */
  | { readonly kind: 'metrics'; readonly env: 'POWERTOOLS_METRICS_NAMESPACE' };

export interface FunctionSpec {
  /** Entry file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /**
   * Seconds. Sending waits on SES or SNS, whose SDK retries a throttled call a few times; the
   * rest make one to three single-digit-millisecond DynamoDB calls.
   */
  readonly timeoutSeconds: number;
  readonly bindings: readonly Binding[];
}

/**
 * Behind CloudFront, its origin secret: every function that reads its configuration serves a
 * route, and refuses a request that went around CloudFront.
 */
const CLOUDFRONT_ORIGIN_SECRET: Binding = {
  kind: 'secret',
  secret: 'cloudfrontOrigin',
  env: 'CLOUDFRONT_ORIGIN_SECRET_ARN',
};
/** The whole configuration (the senders and the password reset), and the origin secret. */
const CONFIGURATION: readonly Binding[] = [{ kind: 'configuration', reads: 'all' }, CLOUDFRONT_ORIGIN_SECRET];
/** submitToken, the emailed link and getValidated3pid read only the settings every function reads. */
const CORE_CONFIGURATION: readonly Binding[] = [
  { kind: 'configuration', reads: 'core' },
  CLOUDFRONT_ORIGIN_SECRET,
];
const METRICS: Binding = { kind: 'metrics', env: 'POWERTOOLS_METRICS_NAMESPACE' };
const TOKEN_HMAC_KEY: Binding = { kind: 'secret', secret: 'tokenHmac', env: 'TOKEN_HMAC_SECRET_ARN' };
/** The directory (who an address belongs to) and the password reset ask Synapse's admin API. */
const SYNAPSE_ADMIN_TOKEN: Binding = {
  kind: 'secret',
  secret: 'synapseAdminToken',
  env: 'SYNAPSE_ADMIN_TOKEN_SECRET_ARN',
};
/** The functions that tell Synapse's module of email sessions: started, validated. */
const SYNAPSE_MODULE_SECRET: Binding = {
  kind: 'secret',
  secret: 'synapseModuleSecret',
  env: 'SYNAPSE_MODULE_SECRET_ARN',
};
const TEMPLATES: Binding = { kind: 'templates' };
const onTable = <I extends TableItems>(items: I, ...actions: TableItemActions[I][]): Binding =>
  ({ kind: 'table', table: 'sessions', env: 'TABLE_NAME', items, actions }) as TableBinding;

/**
 * requestToken creates or resends in one conditional update; when that is refused it reads the
 * record and saves a planned one; when sending fails it puts the previous record back, or removes
 * a session it had just created.
 */
const SESSION_WRITER = onTable(
  'sessions',
  'dynamodb:UpdateItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
);
/** Validating records the guess in one conditional update; a refused one is explained from a read. */
const SESSION_VALIDATOR = onTable('sessions', 'dynamodb:UpdateItem', 'dynamodb:GetItem');
/** requestToken charges the rate limits, and reads a refused counter where the store does not return it. */
const RATE_COUNTERS = onTable('counters', 'dynamodb:UpdateItem', 'dynamodb:GetItem');
/** requestToken reads the kill switch before anything else; it never writes it. */
const KILL_SWITCH = onTable('switches', 'dynamodb:GetItem');

export const FUNCTIONS: Readonly<Record<FunctionName, FunctionSpec>> = {
  accountPassword: {
    entry: 'functions/lambda/account-password.ts',
    description: 'Matrix 3PID: password reset by a validated email or phone session, through the admin API',
    timeoutSeconds: 10,
    bindings: [
      ...CONFIGURATION,
      // Reads the session, uses it up in one conditional update, and puts it back if the reset fails.
      onTable('sessions', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'),
      TOKEN_HMAC_KEY,
      SYNAPSE_ADMIN_TOKEN,
    ],
  },
  requestEmailToken: {
    entry: 'functions/lambda/request-email-token.ts',
    description: 'Matrix 3PID: requestToken for email addresses (sends through SES)',
    timeoutSeconds: 10,
    bindings: [
      ...CONFIGURATION,
      SESSION_WRITER,
      RATE_COUNTERS,
      KILL_SWITCH,
      TOKEN_HMAC_KEY,
      SYNAPSE_ADMIN_TOKEN,
      SYNAPSE_MODULE_SECRET,
      { kind: 'sender', sends: 'email' },
      TEMPLATES,
      METRICS,
    ],
  },
  requestMsisdnToken: {
    entry: 'functions/lambda/request-msisdn-token.ts',
    description: 'Matrix 3PID: requestToken for phone numbers (sends through SNS)',
    timeoutSeconds: 10,
    bindings: [
      ...CONFIGURATION,
      SESSION_WRITER,
      RATE_COUNTERS,
      KILL_SWITCH,
      TOKEN_HMAC_KEY,
      SYNAPSE_ADMIN_TOKEN,
      { kind: 'sender', sends: 'sms' },
      TEMPLATES,
      METRICS,
    ],
  },
  submitToken: {
    entry: 'functions/lambda/submit-token.ts',
    description: 'Matrix 3PID: submit_url, checks SMS codes and email tokens',
    timeoutSeconds: 5,
    bindings: [...CORE_CONFIGURATION, SESSION_VALIDATOR, TOKEN_HMAC_KEY, SYNAPSE_MODULE_SECRET, METRICS],
  },
  emailLink: {
    entry: 'functions/lambda/email-link.ts',
    description: 'Matrix 3PID: the emailed link, a confirmation page whose button validates',
    timeoutSeconds: 5,
    bindings: [
      ...CORE_CONFIGURATION,
      SESSION_VALIDATOR,
      TOKEN_HMAC_KEY,
      SYNAPSE_MODULE_SECRET,
      TEMPLATES,
      METRICS,
    ],
  },
  getValidated3pid: {
    entry: 'functions/lambda/get-validated-3pid.ts',
    description: "Matrix 3PID: the homeserver's question, was this session validated",
    timeoutSeconds: 5,
    bindings: [...CORE_CONFIGURATION, onTable('sessions', 'dynamodb:GetItem'), TOKEN_HMAC_KEY],
  },
  fallback: {
    entry: 'functions/lambda/fallback.ts',
    description: 'Matrix 3PID: 404/405 M_UNRECOGNIZED for every other path',
    timeoutSeconds: 3,
    // It answers without the table or the key, so it loads neither.
    bindings: [{ kind: 'configuration', reads: 'logLevel' }],
  },
};

/** The bindings of one kind in a function's spec. */
export function bindingsOf<K extends Binding['kind']>(
  spec: FunctionSpec,
  kind: K,
): Extract<Binding, { kind: K }>[] {
  return spec.bindings.filter((binding): binding is Extract<Binding, { kind: K }> => binding.kind === kind);
}

/** The function that serves a route. */
export function functionOf(route: Route): Exclude<FunctionName, 'fallback'> {
  if (route.handler === 'requestToken')
    return route.medium === 'email' ? 'requestEmailToken' : 'requestMsisdnToken';
  return route.handler;
}
