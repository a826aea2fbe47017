import * as z from 'zod';

/**
 * The canonical inbound message: what every channel's webhook turns a provider payload into, and
 * what the ingest queue carries. It is a queue contract, not a bus event, so it holds the text and
 * the customer's handles; bus events carry ids only.
 */

export const handleKinds = ['phone', 'email', 'channel-user'] as const;

export const customerHandle = z.discriminatedUnion('kind', [
  /** E.164, normalized by the channel. */
  z.object({ kind: z.literal('phone'), value: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be E.164') }),
  /** Lower-cased. */
  z.object({ kind: z.literal('email'), value: z.email() }),
  /** The provider's own user id, namespaced by channel: `web:42`, later `telegram:123`. */
  z.object({ kind: z.literal('channel-user'), value: z.string().regex(/^[a-z]+:.{1,200}$/s) }),
]);
export type CustomerHandle = z.infer<typeof customerHandle>;

export const attachmentRef = z.object({
  /**
   * https, which an agent's browser opens and Switchboard may fetch; or `s3://bucket/key` for what
   * Switchboard itself stored (an email's raw MIME). A provider's media id without a URL goes in `mediaId`.
   */
  url: z.url({ protocol: /^(https|s3)$/, error: 'must be an https or s3 URL' }).max(2048).optional(),
  /** The provider's id for media fetched through its API (WhatsApp, WeChat, Telegram file ids). */
  mediaId: z.string().min(1).max(512).optional(),
  contentType: z.string().max(255).optional(),
  name: z.string().max(255).optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
}).refine((a) => a.url !== undefined || a.mediaId !== undefined, { message: 'an attachment needs a url or a mediaId', path: ['url'] });
export type AttachmentRef = z.infer<typeof attachmentRef>;

export const inboundMessage = z.object({
  schemaVersion: z.literal(1),
  channel: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/),
  /** The provider's id for this message; with the channel, the key that makes redelivery harmless. */
  providerMessageId: z.string().min(1).max(256),
  customer: z.object({
    handles: z.array(customerHandle).min(1).max(10),
    displayName: z.string().max(200).optional(),
  }),
  text: z.string().max(65_536),
  attachments: z.array(attachmentRef).max(20).default([]),
  /** When the customer sent it, by the provider's clock. */
  sentAt: z.iso.datetime(),
  /** When Switchboard accepted it; stable across retries, so every decision on it is too. */
  receivedAt: z.iso.datetime(),
  /** Where the provider's original payload can be found (provider id or object key), for support. */
  rawRef: z.string().max(1024).optional(),
  /** The channel's address to answer this message at (a Telegram chat id, `whatsapp:+…` via Twilio, an email address). */
  replyTo: z.string().min(1).max(512).optional(),
  /** What this message answers, when the channel says: a ticket reference it quoted, provider ids of earlier messages (email References). */
  thread: z
    .object({
      ticketId: z.string().regex(/^tkt_[0-9a-f]{16}$/).optional(),
      providerMessageIds: z.array(z.string().min(1).max(998)).max(20).default([]),
    })
    .optional(),
});
export type InboundMessage = z.infer<typeof inboundMessage>;

export const inboundMessageExample: InboundMessage = {
  schemaVersion: 1,
  channel: 'web',
  providerMessageId: 'msg-2f6c1d',
  customer: {
    handles: [
      { kind: 'email', value: 'mei.chen@example.com' },
      { kind: 'phone', value: '+14155550123' },
      { kind: 'channel-user', value: 'web:cust-8812' },
    ],
    displayName: 'Mei Chen',
  },
  text: 'My order #5521 arrived damaged. Can you send a replacement?',
  attachments: [{ url: 'https://shop.example.com/uploads/box.jpg', contentType: 'image/jpeg', name: 'box.jpg' }],
  sentAt: '2026-11-23T09:14:58.000Z',
  receivedAt: '2026-11-23T09:15:00.120Z',
  rawRef: 'web:msg-2f6c1d',
};
