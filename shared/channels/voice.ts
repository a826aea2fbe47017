import * as z from 'zod';
import type { CustomerHandle, InboundMessage } from '../../events/inbound-message';
import { fieldErrors, problems } from '../http/problem';
import type { Channel, ParseContext } from './channel';
import { acceptedResponse, clamp } from './common';
import { signedLikeWeb } from './signatures';
import { normalizePhone, parseJsonBody } from './web';

/**
 * Amazon Connect: a contact flow's "Invoke AWS Lambda function" block sends the contact's data; the
 * call (or chat, or task) creates or joins the caller's ticket, with the contact attributes (an
 * IVR choice, a transcript) as its text, and the flow gets back the ticket id and status. Connect
 * invokes the voice function directly (IAM); over HTTP — local mode, or a bridge — the event is
 * signed like the web channel. Connect has no reply API: answers to a caller are recorded only.
 */

const stringMap = z.record(z.string().max(256), z.string().max(32_768)).default({});

export const contactFlowEvent = z.object({
  Name: z.literal('ContactFlowEvent').optional(),
  Details: z.object({
    ContactData: z.object({
      ContactId: z.string().min(1).max(256),
      InitialContactId: z.string().max(256).optional(),
      Channel: z.string().max(32).default('VOICE'),
      InitiationMethod: z.string().max(64).optional(),
      CustomerEndpoint: z.object({ Address: z.string().max(256).optional(), Type: z.string().max(64).optional() }).nullish(),
      Attributes: stringMap,
    }),
    Parameters: stringMap,
  }),
});
export type ContactFlowEvent = z.input<typeof contactFlowEvent>;

/** Attributes whose value is what the customer said, placed first (and so the ticket's subject). */
const SPOKEN = ['transcript', 'Transcript', 'summary', 'Summary'];

/** The canonical message of a contact-flow invocation; throws 400 problems. */
export function contactMessage(event: unknown, context: ParseContext): InboundMessage {
  const result = contactFlowEvent.safeParse(event);
  if (!result.success) throw problems.badRequest('The body is not an Amazon Connect contact flow event.', fieldErrors(result.error.issues));
  const contact = result.data.Details.ContactData;
  const attributes = { ...contact.Attributes, ...result.data.Details.Parameters };

  const handles: CustomerHandle[] = [];
  const address = contact.CustomerEndpoint?.Address;
  const phone = address && contact.CustomerEndpoint?.Type !== 'EMAIL_ADDRESS' ? normalizePhone(address, context.defaultPhoneRegion) : undefined;
  if (phone) handles.push({ kind: 'phone', value: phone });
  // A withheld number still gets a ticket, tied to this contact (and its transfers) alone.
  else handles.push({ kind: 'channel-user', value: `voice:${clamp(contact.InitialContactId ?? contact.ContactId, 190)}` });

  const spoken = SPOKEN.map((k) => attributes[k]).find((v) => v && v.trim());
  const others = Object.entries(attributes)
    .filter(([k, v]) => !SPOKEN.includes(k) && v.trim())
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${v}`);
  const heading = spoken ?? `${contact.Channel === 'VOICE' ? 'Phone call' : `Amazon Connect ${contact.Channel.toLowerCase()}`}`;
  const text = clamp([heading, ...(others.length ? ['', ...others] : [])].join('\n'), 65_536);

  return {
    schemaVersion: 1,
    channel: 'voice',
    providerMessageId: contact.ContactId,
    customer: { handles },
    text,
    attachments: [],
    sentAt: context.receivedAt,
    receivedAt: context.receivedAt,
    rawRef: `voice:${contact.ContactId}`,
  };
}

export const voice: Channel = {
  name: 'voice',
  contentTypes: ['application/json'],
  ...signedLikeWeb,

  parse(request, context) {
    return { messages: [contactMessage(parseJsonBody(request), context)], ignored: [] };
  },

  acknowledge({ messages }) {
    return acceptedResponse(messages);
  },
};
