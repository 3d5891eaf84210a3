import { bindingsOf, type FunctionSpec } from '../../infra/functions.js';

/**
 * The floor a function's bundle and cold start are measured against: a handler that imports the
 * same AWS SDK clients and makes the same kinds of calls (read the key, one table call, one send),
 * with none of our code. Also parses a phone number when the function sends SMS, since that
 * function needs libphonenumber's full metadata to judge number types.
 */
/** Whether a function uses any AWS client, so that a hello-world with its clients is a floor at all. */
export function usesAwsClients(spec: FunctionSpec): boolean {
  return spec.bindings.some((binding) => binding.kind !== 'configuration');
}

/**
 * The calls a hello-world can make, as the IAM actions the AWS recorder (aws-recorder.ts) names
 * them. Given the calls a function made, the hello-world makes exactly those, in that order: the
 * secret reads at import (a naive handler reads them one after the other), the rest per invocation.
 */
const CALLS: Readonly<Record<string, string>> = {
  'secretsmanager:GetSecretValue':
    'const key = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.TOKEN_HMAC_SECRET_ARN }));',
  'dynamodb:GetItem':
    "await table.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: 'hello' }, ConsistentRead: true }));",
  'dynamodb:UpdateItem':
    "await table.send(new UpdateCommand({ TableName: process.env.TABLE_NAME, Key: { pk: 'hello' }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 1 } }));",
  'dynamodb:PutItem':
    "await table.send(new PutCommand({ TableName: process.env.TABLE_NAME, Item: { pk: 'hello', n: 1 } }));",
  'dynamodb:DeleteItem':
    "await table.send(new DeleteCommand({ TableName: process.env.TABLE_NAME, Key: { pk: 'hello' } }));",
  'ses:SendEmail':
    "await ses.send(new SendEmailCommand({ Source: 'hello@example.org', Destination: { ToAddresses: ['hello@example.org'] }, Message: { Subject: { Data: 'hello' }, Body: { Text: { Data: 'hello' } } } }));",
  'sns:Publish':
    "await sns.send(new PublishCommand({ PhoneNumber: number.number, Message: 'hello ' + number.getType() }));",
};

/**
 * The hello-world's source. Without `calls`, it reads the key at import and makes one table call
 * and one send per invocation (the bundle floor); with them, exactly those calls (the cold-start
 * floor, given the calls the function made).
 */
export function helloWorldSource(spec: FunctionSpec, calls?: readonly string[]): string {
  const table = bindingsOf(spec, 'table').length > 0;
  const secret = bindingsOf(spec, 'secret').length > 0;
  const sends = bindingsOf(spec, 'sender').map((binding) => binding.sends);
  const counts = bindingsOf(spec, 'metrics').length > 0;
  const unknown = (calls ?? []).filter((call) => CALLS[call] === undefined);
  if (unknown.length > 0) throw new Error(`a hello-world cannot make ${unknown.join(', ')}`);
  const secretReads = calls
    ? calls.filter((call) => call.startsWith('secretsmanager:'))
    : secret
      ? ['secretsmanager:GetSecretValue']
      : [];
  const perInvocation = calls
    ? calls.filter((call) => !call.startsWith('secretsmanager:'))
    : [
        ...(table ? ['dynamodb:UpdateItem'] : []),
        ...(sends.includes('email') ? ['ses:SendEmail'] : []),
        ...(sends.includes('sms') ? ['sns:Publish'] : []),
      ];
  const lines: string[] = [];
  if (secretReads.length > 0) {
    lines.push(
      "import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
      'const secrets = new SecretsManagerClient({});',
      // Each read in a block of its own, so that a second one does not declare `key` again.
      ...secretReads.map((call, n) => (n === 0 ? (CALLS[call] ?? '') : `{ ${CALLS[call]} }`)),
    );
  }
  if (table) {
    const commands = calls
      ? ['GetCommand', 'UpdateCommand', 'PutCommand', 'DeleteCommand'].filter((command) =>
          perInvocation.some((call) => CALLS[call]?.includes(`new ${command}(`)),
        )
      : ['UpdateCommand'];
    lines.push(
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      `import { DynamoDBDocumentClient${commands.map((command) => `, ${command}`).join('')} } from '@aws-sdk/lib-dynamodb';`,
      'const table = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
    );
  }
  if (counts) {
    lines.push(
      "import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';",
      "const metrics = new Metrics({ namespace: 'Hello' });",
    );
  }
  if (sends.includes('email')) {
    lines.push(
      "import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';",
      'const ses = new SESClient({});',
    );
  }
  if (sends.includes('sms')) {
    lines.push(
      "import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';",
      "import { parsePhoneNumberWithError } from 'libphonenumber-js/max';",
      'const sns = new SNSClient({});',
    );
  }
  return [
    ...lines,
    'export const handler = async () => {',
    ...(sends.includes('sms') ? ["  const number = parsePhoneNumberWithError('07400 123456', 'GB');"] : []),
    ...perInvocation.map((call) => `  ${CALLS[call]}`),
    // A function that counts publishes a metric (EMF: a line on stdout, no call).
    ...(counts
      ? ["  metrics.addMetric('Hello', MetricUnit.Count, 1);", '  metrics.publishStoredMetrics();']
      : []),
    `  return { statusCode: 200, body: ${secretReads.length > 0 ? 'String(key.SecretString?.length)' : "'hello'"} };`,
    '};',
    '',
  ].join('\n');
}
