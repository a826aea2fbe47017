import type { InboundMessage } from '../../events/inbound-message';

/** A webhook request as every channel sees it, whether it came through API Gateway or local mode. */
export interface WebhookRequest {
  readonly method: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Buffer;
}

export interface WebhookResponse {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface ChannelContext {
  readonly secret: string;
  readonly now: Date;
  readonly maxClockSkewSeconds: number;
  readonly defaultPhoneRegion: string;
}

/** A reply on the customer's channel (used by outbound delivery). */
export interface OutboundMessage {
  readonly ticketId: string;
  readonly to: string;
  readonly text: string;
}

/**
 * One channel, one module: how its provider proves a request is genuine, answers its URL check,
 * shapes its payloads, expects to be answered, and takes replies. The webhook function does the
 * rest (size limit, queueing, metrics, problem documents) the same way for all of them.
 */
export interface Channel {
  readonly name: string;
  /** The content type of the provider's payloads, for the 415 answer. */
  readonly contentType: string;
  /** Throws an HttpProblem (401) unless the request is signed by the provider. */
  verify(request: WebhookRequest, context: ChannelContext): void;
  /** Answers a provider's URL verification (a GET), for providers that have one. */
  handshake?(request: WebhookRequest, context: ChannelContext): WebhookResponse;
  /** Canonical messages in a verified request; none for provider events that are not messages. Throws 400 problems. */
  parse(request: WebhookRequest, context: ChannelContext & { receivedAt: string }): InboundMessage[];
  /** What the provider expects back once the messages are durably queued. */
  acknowledge(messages: readonly InboundMessage[]): WebhookResponse;
  /** Sends an agent's reply on this channel; channels without a reply API leave it out. */
  send?(message: OutboundMessage): Promise<{ providerMessageId: string }>;
}
