import * as z from 'zod';
import type { CustomerHandle, InboundMessage } from '../../events/inbound-message';
import { fieldErrors, problems } from '../http/problem';
import type { Channel, WebhookRequest } from './channel';
import { acceptedResponse } from './common';
import { normalizePhone } from './phone';
import { signedLikeWeb } from './signatures';

/**
 * The generic signed channel for web forms, in-app messages and chat widgets. The sender signs
 * `<timestamp>.<raw body>` with HMAC-SHA256 and the channel secret:
 *
 *   X-Switchboard-Timestamp: <unix seconds>
 *   X-Switchboard-Signature: sha256=<hex>
 */

/** A file the sender hosts; https only, as an agent's browser will open it. */
const webAttachment = z
  .object({
    url: z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048),
    contentType: z.string().max(255).optional(),
    name: z.string().max(255).optional(),
    sizeBytes: z.number().int().nonnegative().optional(),
  })
  .strict();

export const webPayload = z
  .object({
    messageId: z.string().trim().min(1).max(200),
    customer: z
      .object({
        id: z.string().trim().min(1).max(200).optional(),
        email: z.email().max(254).optional(),
        phone: z.string().trim().min(3).max(32).optional(),
        name: z.string().trim().min(1).max(200).optional(),
      })
      .strict()
      .refine((c) => c.id || c.email || c.phone, 'needs at least one of id, email or phone'),
    text: z.string().max(65_536).default(''),
    attachments: z.array(webAttachment).max(20).default([]),
    sentAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((p) => p.text.trim().length > 0 || p.attachments.length > 0, { message: 'a message needs text or an attachment', path: ['text'] });
export type WebPayload = z.input<typeof webPayload>;

// Phone numbers are read in one place, which the customer API shares without loading this channel.
export { normalizePhone };

/** The body as JSON, or a 400 problem. */
export function parseJsonBody(request: WebhookRequest): unknown {
  try {
    return JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw problems.badRequest('The body is not valid JSON.');
  }
}

export const web: Channel = {
  name: 'web',
  contentTypes: ['application/json'],
  ...signedLikeWeb,

  parse(request, context) {
    const result = webPayload.safeParse(parseJsonBody(request));
    if (!result.success) throw problems.badRequest('The message does not match the web channel format.', fieldErrors(result.error.issues));
    const p = result.data;
    const handles: CustomerHandle[] = [];
    if (p.customer.phone) {
      const e164 = normalizePhone(p.customer.phone, context.defaultPhoneRegion);
      if (!e164) throw problems.badRequest('The phone number is not valid.', [{ field: 'customer.phone', message: `not a valid phone number (numbers without a country code are read as ${context.defaultPhoneRegion})` }]);
      handles.push({ kind: 'phone', value: e164 });
    }
    if (p.customer.email) handles.push({ kind: 'email', value: p.customer.email.toLowerCase() });
    if (p.customer.id) handles.push({ kind: 'channel-user', value: `web:${p.customer.id}` });
    const message: InboundMessage = {
      schemaVersion: 1,
      channel: 'web',
      providerMessageId: p.messageId,
      customer: { handles, ...(p.customer.name ? { displayName: p.customer.name } : {}) },
      text: p.text,
      attachments: p.attachments,
      sentAt: p.sentAt ? new Date(p.sentAt).toISOString() : context.receivedAt,
      receivedAt: context.receivedAt,
      rawRef: `web:${p.messageId}`,
    };
    return { messages: [message], ignored: [] };
  },

  acknowledge({ messages }) {
    return acceptedResponse(messages);
  },
};
