import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PARTITION_KEY } from '../../functions/adapters/dynamodb/table.js';

/**
 * One endpoint for every AWS service the Lambda entries call, which records each request as the
 * IAM action it needs: the service from the SigV4 credential scope, the operation from
 * X-Amz-Target (JSON protocols) or from Action (query protocol). So `dynamodb:GetItem`,
 * `ses:SendEmail`, `sns:Publish`, `secretsmanager:GetSecretValue`, and anything else the code
 * might start sending. A DynamoDB request on one item is recorded with the prefix of its key too,
 * which is what `dynamodb:LeadingKeys` grants are written on. DynamoDB requests are passed on to a
 * real emulator; SES SendEmail, SNS Publish and Secrets Manager GetSecretValue are answered here;
 * anything else is refused, after being recorded.
 */
export interface AwsRecorder {
  /** Point each SDK client here, e.g. with AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  /** The requests recorded since the last call, in the order they arrived. */
  take(): RecordedRequest[];
  /** Makes every later SendEmail or Publish to this recipient fail, as a rejected address does. */
  failDeliveriesTo(recipient: string): void;
  /** The text of the newest message delivered to a recipient (an email address, or +E.164). */
  lastMessageTo(recipient: string): string;
  close(): Promise<void>;
}

/** One request, as the permission it needs. */
export interface RecordedRequest {
  /** The IAM action, `service:Operation`. */
  readonly action: string;
  /**
   * For a DynamoDB request naming an item (`Key`, or `Item` for PutItem): its partition key up to
   * and including the first `#` (`session#`, `rl#`, `cfg#`), or the whole key when it has none.
   */
  readonly keyPrefix?: string;
}

export interface AwsRecorderOptions {
  /** Where DynamoDB requests are passed on to, e.g. dynalite's endpoint. */
  readonly dynamodb: string;
  /** The value GetSecretValue answers with. */
  readonly secretString: string;
}

const SES_XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';
const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

export async function startAwsRecorder(options: AwsRecorderOptions): Promise<AwsRecorder> {
  let recorded: RecordedRequest[] = [];
  const failing = new Set<string>();
  const delivered = new Map<string, string>();
  let requests = 0;

  /** SES and SNS: a message to one recipient, failed when that recipient is set to fail. */
  const deliver = (
    res: ServerResponse,
    xmlns: string,
    operation: string,
    message: { to: string; text: string },
    rejection: string,
  ) => {
    if (failing.has(message.to)) {
      queryError(res, xmlns, rejection, `Refused by the recorder for ${message.to}`);
      return;
    }
    delivered.set(message.to, message.text);
    queryResult(res, xmlns, operation, `<MessageId>recorded-${requests}</MessageId>`);
  };

  const server = createServer(async (req, res) => {
    requests += 1;
    const body = await readBody(req);
    const service =
      /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '')?.[1] ??
      'unsigned';
    const target = req.headers['x-amz-target'];
    const form = new URLSearchParams(
      String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')
        ? body.toString('utf8')
        : '',
    );
    const operation =
      typeof target === 'string' ? target.slice(target.lastIndexOf('.') + 1) : (form.get('Action') ?? '');
    const action = `${service}:${operation}`;
    const keyPrefix = service === 'dynamodb' ? keyPrefixOf(body) : undefined;
    recorded.push(keyPrefix === undefined ? { action } : { action, keyPrefix });

    switch (action) {
      case 'secretsmanager:GetSecretValue': {
        const { SecretId } = JSON.parse(body.toString('utf8')) as { SecretId: string };
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({
            ARN: SecretId,
            Name: SecretId.slice(SecretId.lastIndexOf(':') + 1),
            VersionId: 'recorded-version',
            SecretString: options.secretString,
            VersionStages: ['AWSCURRENT'],
            CreatedDate: 1_795_435_200,
          }),
        );
        return;
      }
      case 'ses:SendEmail':
        deliver(
          res,
          SES_XMLNS,
          'SendEmail',
          {
            to: form.get('Destination.ToAddresses.member.1') ?? '',
            text: form.get('Message.Body.Text.Data') ?? '',
          },
          'MessageRejected',
        );
        return;
      case 'sns:Publish':
        deliver(
          res,
          SNS_XMLNS,
          'Publish',
          { to: form.get('PhoneNumber') ?? '', text: form.get('Message') ?? '' },
          'InvalidParameter',
        );
        return;
      default:
        if (service === 'dynamodb') {
          forward(req, body, res, options.dynamodb);
          return;
        }
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({ __type: 'UnknownOperationException', message: `${action} is not answered` }),
        );
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take() {
      const taken = recorded;
      recorded = [];
      return taken;
    },
    failDeliveriesTo(recipient) {
      failing.add(recipient);
    },
    lastMessageTo(recipient) {
      const text = delivered.get(recipient);
      if (text === undefined) throw new Error(`nothing was delivered to ${recipient}`);
      return text;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The prefix of the partition key a DynamoDB request names, if it names one item. */
function keyPrefixOf(body: Buffer): string | undefined {
  let request: { Key?: Record<string, { S?: string }>; Item?: Record<string, { S?: string }> };
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const key = (request.Key ?? request.Item)?.[PARTITION_KEY]?.S;
  if (key === undefined) return undefined;
  const end = key.indexOf('#');
  return end === -1 ? key : key.slice(0, end + 1);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Passes a request on unchanged, and its answer back byte for byte (DynamoDB checks a CRC32). */
function forward(req: IncomingMessage, body: Buffer, res: ServerResponse, endpoint: string): void {
  const upstream = new URL(endpoint);
  const outgoing = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  outgoing.on('error', (error) => res.destroy(error));
  outgoing.end(body);
}

function queryResult(res: ServerResponse, xmlns: string, operation: string, result: string): void {
  res.writeHead(200, { 'Content-Type': 'text/xml' });
  res.end(
    `<${operation}Response xmlns="${xmlns}"><${operation}Result>${result}</${operation}Result>` +
      `<ResponseMetadata><RequestId>recorded</RequestId></ResponseMetadata></${operation}Response>`,
  );
}

function queryError(res: ServerResponse, xmlns: string, code: string, message: string): void {
  res.writeHead(400, { 'Content-Type': 'text/xml' });
  res.end(
    `<ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>${code}</Code>` +
      `<Message>${message}</Message></Error><RequestId>recorded</RequestId></ErrorResponse>`,
  );
}
