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

export function helloWorldSource(spec: FunctionSpec): string {
  const table = bindingsOf(spec, 'table').length > 0;
  const secret = bindingsOf(spec, 'secret').length > 0;
  const sends = bindingsOf(spec, 'sender').map((binding) => binding.sends);
  const counts = bindingsOf(spec, 'metrics').length > 0;
  const lines: string[] = [];
  const calls: string[] = [];
  if (secret) {
    lines.push(
      "import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
      'const key = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: process.env.TOKEN_HMAC_SECRET_ARN }));',
    );
  }
  if (table) {
    lines.push(
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';",
      'const table = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
    );
    calls.push(
      "await table.send(new UpdateCommand({ TableName: process.env.TABLE_NAME, Key: { pk: 'hello' }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 1 } }));",
    );
  }
  if (counts) {
    lines.push(
      "import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';",
      "const metrics = new Metrics({ namespace: 'Hello' });",
    );
    calls.push("metrics.addMetric('Hello', MetricUnit.Count, 1);", 'metrics.publishStoredMetrics();');
  }
  if (sends.includes('email')) {
    lines.push(
      "import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';",
      'const ses = new SESClient({});',
    );
    calls.push(
      "await ses.send(new SendEmailCommand({ Source: 'hello@example.org', Destination: { ToAddresses: ['hello@example.org'] }, Message: { Subject: { Data: 'hello' }, Body: { Text: { Data: 'hello' } } } }));",
    );
  }
  if (sends.includes('sms')) {
    lines.push(
      "import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';",
      "import { parsePhoneNumberWithError } from 'libphonenumber-js/max';",
      'const sns = new SNSClient({});',
    );
    calls.push(
      "const number = parsePhoneNumberWithError('07400 123456', 'GB');",
      "await sns.send(new PublishCommand({ PhoneNumber: number.number, Message: 'hello ' + number.getType() }));",
    );
  }
  return [
    ...lines,
    'export const handler = async () => {',
    ...calls.map((call) => `  ${call}`),
    `  return { statusCode: 200, body: ${secret ? 'String(key.SecretString?.length)' : "'hello'"} };`,
    '};',
    '',
  ].join('\n');
}
