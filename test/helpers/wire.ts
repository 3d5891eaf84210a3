import type { SESClient } from '@aws-sdk/client-ses';
import type { SNSClient } from '@aws-sdk/client-sns';

type ClientWithStack = SESClient | SNSClient;

/**
 * Records the form-encoded (AWS query protocol) body of every request the client sends, to check
 * the exact parameters on the wire rather than what the code meant to send.
 */
export function captureQueryRequests(client: ClientWithStack) {
  const bodies: URLSearchParams[] = [];
  (client.middlewareStack as SESClient['middlewareStack']).add(
    (next) => async (args) => {
      bodies.push(new URLSearchParams(String((args.request as { body?: unknown }).body ?? '')));
      return next(args);
    },
    { step: 'finalizeRequest', name: 'captureQueryRequests' },
  );
  return {
    last(): URLSearchParams {
      const body = bodies.at(-1);
      if (!body) throw new Error('no request was sent');
      return body;
    },
  };
}
