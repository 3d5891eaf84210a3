/**
 * Transports carry messages that are already rendered; they know nothing of tokens, purposes or
 * wording. SES and SNS are transports on AWS, the outbox is the transport locally. A transport
 * throws DeliveryError when the provider refuses or fails.
 */
export interface OutgoingEmail {
  /** Canonical address; a transport may need to encode its domain (IDNA) for the wire. */
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface OutgoingSms {
  /** E.164 with the leading `+`. */
  readonly to: string;
  readonly text: string;
}

export interface EmailTransport {
  sendEmail(email: OutgoingEmail): Promise<void>;
}

export interface SmsTransport {
  sendSms(sms: OutgoingSms): Promise<void>;
}
