import type { CustomerHandle, InboundMessage } from '../../events/inbound-message';

/** A webhook request as every channel sees it, whether it came through API Gateway or local mode. */
export interface WebhookRequest {
  readonly method: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Buffer;
  /**
   * The public URL the provider called, scheme to query string, as it signed it (Twilio signs the
   * URL): rebuilt from the request behind API Gateway, or the channel's configured `webhookUrl`.
   */
  readonly url: string;
}

export interface WebhookResponse {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** A channel's credentials, by the field names it declares in `secretFields`. */
export type ChannelSecrets = Readonly<Record<string, string>>;

export interface ChannelContext {
  readonly secrets: ChannelSecrets;
  readonly now: Date;
  readonly maxClockSkewSeconds: number;
  readonly defaultPhoneRegion: string;
  /** The channel's own section of the config (`channels.<name>`). */
  readonly settings: Readonly<Record<string, unknown>>;
}

export interface ParseContext extends ChannelContext {
  /** When Switchboard accepted the request; every message parsed from it carries it. */
  readonly receivedAt: string;
}

/** What a verified request holds. */
export interface ParsedWebhook {
  readonly messages: InboundMessage[];
  /**
   * Provider events acknowledged on purpose without becoming a message (delivery statuses,
   * subscribes, edits, auto-replies), by kind such as `status` or `event:subscribe`; counted, never stored.
   */
  readonly ignored: readonly string[];
}

/** An agent's reply (or a notification) on its way to the customer. */
export interface OutboundReply {
  readonly replyId: string;
  readonly ticketId: string;
  /** The channel's address for the customer: a message's `replyTo`, or `replyAddress` of their handles. */
  readonly to: string;
  readonly text: string;
  /** The ticket's subject, for channels with subjects (email). */
  readonly subject: string;
  /** The provider's id of the customer message this answers, for threading (email In-Reply-To, Telegram reply_to). */
  readonly inReplyTo?: string;
}

/** A provider API call, described; the transport performs it. */
export interface ProviderRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ProviderResponse {
  readonly status: number;
  readonly body: string;
}

/** The SES v2 SendEmail input, in the SDK's shape. */
export interface SesEmail {
  readonly FromEmailAddress: string;
  readonly Destination: { readonly ToAddresses: readonly string[] };
  readonly Content: {
    readonly Simple: {
      readonly Subject: { readonly Data: string; readonly Charset: 'UTF-8' };
      readonly Body: { readonly Text: { readonly Data: string; readonly Charset: 'UTF-8' } };
      readonly Headers?: readonly { readonly Name: string; readonly Value: string }[];
    };
  };
}

/**
 * The one way out to providers, injected: `fetch` and the SES client when deployed; local mode and
 * tests record requests in an outbox instead, so nothing leaves the machine. Throws only when the
 * request could not be made at all (network, SDK error); an HTTP error status is a response.
 */
export interface Transport {
  http(request: ProviderRequest): Promise<ProviderResponse>;
  /** Returns SES's MessageId. */
  sendEmail(email: SesEmail): Promise<string>;
}

export interface SendContext {
  readonly secrets: ChannelSecrets;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly transport: Transport;
}

/** How a delivery attempt ended. A retryable failure is tried again with backoff, then dead-lettered. */
export type DeliveryResult =
  | { readonly ok: true; readonly providerMessageId: string }
  | { readonly ok: false; readonly retryable: boolean; readonly reason: string };

/**
 * One channel, one module: how its provider proves a request is genuine, answers its URL check,
 * shapes its payloads, expects to be answered, and takes replies. The webhook function does the
 * rest (size limit, content type, queueing, metrics, problem documents) the same way for all.
 */
export interface Channel {
  readonly name: string;
  /** The content types the provider sends (the first is named in the 415 answer). */
  readonly contentTypes: readonly [string, ...string[]];
  /**
   * The fields of the channel's secret; the first is the one requests are verified with. Deployed,
   * the secret is a JSON object with these keys; a plain string value stands for every field.
   */
  readonly secretFields: readonly [string, ...string[]];
  /** Throws an HttpProblem (401, or 403 where the provider expects it) unless the provider signed the request. Constant-time. */
  verify(request: WebhookRequest, context: ChannelContext): void;
  /** Answers a provider's URL verification (a GET), for providers that have one. Throws 401/403 problems. */
  handshake?(request: WebhookRequest, context: ChannelContext): WebhookResponse;
  /** The messages in a verified request. Throws 400 problems for payloads it cannot read. */
  parse(request: WebhookRequest, context: ParseContext): ParsedWebhook | Promise<ParsedWebhook>;
  /** What the provider expects back once the messages are durably queued. */
  acknowledge(parsed: ParsedWebhook): WebhookResponse;
  /** The address to reply to, from the customer's handles, when no message on this channel says. */
  replyAddress?(handles: readonly CustomerHandle[], settings: Readonly<Record<string, unknown>>): string | undefined;
  /** Sends a reply through the transport; channels without a reply API (voice) leave it out. */
  send?(reply: OutboundReply, context: SendContext): Promise<DeliveryResult>;
}

/** Provider answers that are worth retrying: throttling and server errors. */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;
