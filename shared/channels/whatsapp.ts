import * as z from 'zod';
import type { AttachmentRef, CustomerHandle, InboundMessage } from '../../events/inbound-message';
import { fieldErrors, HttpProblem, problems } from '../http/problem';
import { type Channel, type ChannelSecrets, type DeliveryResult, isRetryableStatus, type ParseContext } from './channel';
import { phoneNumberIdOf, replyAddresses } from './reply-addresses';
import { clamp, failure, ignoredKind, permanent, redact, sentAtFromUnix, tryJson } from './common';
import { hmacSha256Hex, safeEqual } from './signatures';
import { normalizePhone, parseJsonBody } from './web';

/**
 * WhatsApp through Meta's Cloud API. Meta signs each webhook POST with the app secret
 * (`X-Hub-Signature-256: sha256=<hex HMAC of the raw body>`), checks the callback URL with a GET
 * echoing `hub.challenge` when the verify token matches, and takes replies on the Graph API's
 * `/<phone number id>/messages` with the system user's access token.
 *
 * A reply address is `<business phone number id>:<customer wa_id>`, so a reply leaves from the
 * number the customer wrote to unless `channels.whatsapp.phoneNumberId` pins one.
 */

export const WHATSAPP_SIGNATURE_HEADER = 'x-hub-signature-256';

/** Meta's documented limit for a text message body, in characters. */
export const WHATSAPP_MAX_TEXT = 4096;

const LIMITS = { text: 65_536, displayName: 200, providerMessageId: 256, replyTo: 512, rawRef: 1024, threadId: 998, attachments: 20, contentType: 255, name: 255 } as const;

/** Meta's codes for throttling and passing outages: the same request may succeed later. */
const RETRYABLE_CODES: ReadonlySet<number> = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004]);
/** More than 24 hours since the customer last wrote: only a template message may be sent. */
const OUTSIDE_WINDOW = 131047;

const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker', 'voice'] as const;
type MediaType = (typeof MEDIA_TYPES)[number];

/** Signs a body as Meta does; for tests and local mode's example requests. */
export function signWhatsAppBody(appSecret: string, rawBody: string | Buffer): Record<string, string> {
  return { [WHATSAPP_SIGNATURE_HEADER]: `sha256=${hmacSha256Hex(appSecret, rawBody)}` };
}

const media = z.object({
  id: z.string().min(1).max(512),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
});

const coordinate = z.union([z.number().finite(), z.string().regex(/^-?\d{1,3}(\.\d{1,20})?$/, 'must be a number')]);

const sharedContact = z.object({
  name: z.object({ formatted_name: z.string().optional() }).optional(),
  phones: z.array(z.object({ phone: z.string().optional() })).optional(),
  emails: z.array(z.object({ email: z.string().optional() })).optional(),
});

/** Types that carry their content in an object of the same name. */
const CONTENT_OBJECT: Readonly<Record<string, string>> = {
  text: 'text',
  location: 'location',
  interactive: 'interactive',
  button: 'button',
  contacts: 'contacts',
  ...Object.fromEntries(MEDIA_TYPES.map((t) => [t, t])),
};

const message = z
  .object({
    from: z.string().min(1).max(64),
    id: z.string().min(1),
    timestamp: z.union([z.string(), z.number()]).optional(),
    type: z.string().min(1),
    text: z.object({ body: z.string() }).optional(),
    image: media.optional(),
    audio: media.optional(),
    video: media.optional(),
    document: media.optional(),
    sticker: media.optional(),
    voice: media.optional(),
    location: z.object({ latitude: coordinate, longitude: coordinate, name: z.string().optional(), address: z.string().optional() }).optional(),
    interactive: z
      .object({
        type: z.string(),
        button_reply: z.object({ title: z.string() }).optional(),
        list_reply: z.object({ title: z.string(), description: z.string().optional() }).optional(),
      })
      .optional(),
    button: z.object({ text: z.string() }).optional(),
    contacts: z.array(sharedContact).optional(),
    context: z.object({ id: z.string().min(1).optional() }).optional(),
  })
  .superRefine((m, ctx) => {
    const key = Object.hasOwn(CONTENT_OBJECT, m.type) ? CONTENT_OBJECT[m.type] : undefined;
    if (key && (m as Record<string, unknown>)[key] === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `a ${m.type} message needs a ${key} object` });
    }
    const reply = m.interactive?.type;
    if ((reply === 'button_reply' || reply === 'list_reply') && m.interactive?.[reply] === undefined) {
      ctx.addIssue({ code: 'custom', path: ['interactive', reply], message: `an interactive ${reply} needs a ${reply} object` });
    }
  });
type WhatsAppMessage = z.infer<typeof message>;

/** The `value` of a change whose field is `messages`. */
const messagesValue = z.object({
  metadata: z.object({ display_phone_number: z.string().optional(), phone_number_id: z.string().regex(/^\d{1,32}$/, 'must be a phone number id (digits)') }),
  contacts: z.array(z.object({ wa_id: z.string().optional(), profile: z.object({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(message).optional(),
  statuses: z.array(z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
});
type MessagesValue = z.infer<typeof messagesValue>;

const whatsappEnvelope = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(z.object({ changes: z.array(z.object({ field: z.string().min(1), value: z.unknown() })) })),
});

const graphSuccess = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });
const graphError = z.object({
  error: z.object({
    message: z.string().optional(),
    code: z.number().optional(),
    error_data: z.object({ details: z.string().optional() }).optional().catch(undefined),
  }),
});

export const whatsapp: Channel = {
  name: 'whatsapp',
  contentTypes: ['application/json'],
  secretFields: ['appSecret', 'verifyToken', 'accessToken'],

  verify(request, context) {
    const appSecret = context.secrets.appSecret;
    if (!appSecret) throw problems.unauthorized('The WhatsApp channel has no app secret to verify requests with.');
    const signature = request.headers[WHATSAPP_SIGNATURE_HEADER];
    if (!signature) throw problems.unauthorized(`Sign the request: Meta sends ${WHATSAPP_SIGNATURE_HEADER}: sha256=<HMAC of the body with the app secret>.`);
    const expected = `sha256=${hmacSha256Hex(appSecret, request.rawBody)}`;
    if (!safeEqual(signature.trim().toLowerCase(), expected)) {
      throw problems.unauthorized('The signature does not match the body for this app\'s secret.');
    }
  },

  handshake(request, context) {
    const token = context.secrets.verifyToken;
    const given = request.query['hub.verify_token'];
    // Meta expects 403 when the subscription is not confirmed.
    if (request.query['hub.mode'] !== 'subscribe' || !token || given === undefined || !safeEqual(given, token)) {
      throw problems.forbidden('The verify token does not match this channel\'s, or hub.mode is not "subscribe".');
    }
    const challenge = request.query['hub.challenge'];
    // Echoed verbatim, so only a short token-like value: never markup.
    if (!challenge || !/^[A-Za-z0-9]{1,128}$/.test(challenge)) {
      throw problems.badRequest('The challenge is missing or not a short token.', [{ field: 'hub.challenge', message: 'must be 1 to 128 letters or digits' }]);
    }
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: challenge };
  },

  parse(request, context) {
    try {
      return parseWebhook(parseJsonBody(request), context);
    } catch (error) {
      if (error instanceof HttpProblem) throw error;
      throw problems.badRequest('The WhatsApp payload could not be read.');
    }
  },

  acknowledge() {
    return { statusCode: 200 };
  },

  replyAddress: replyAddresses.whatsapp,

  async send(reply, { secrets, settings, transport }) {
    const address = parseAddress(reply.to, phoneNumberIdOf(settings));
    if (!address) return permanent(`"${clamp(reply.to, 64)}" is not a WhatsApp address (<phone number id>:<wa_id>).`);
    const accessToken = secrets.accessToken;
    if (!accessToken) return permanent('The WhatsApp channel has no access token.');
    const length = [...reply.text].length;
    if (reply.text.trim().length === 0) return permanent('The reply has no text to send.');
    // One message or none: split parts would be resent whole on a retry, and a reply this long is rare.
    if (length > WHATSAPP_MAX_TEXT) return permanent(`The reply is ${length} characters; WhatsApp accepts at most ${WHATSAPP_MAX_TEXT}. Shorten it and send again.`);

    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: address.waId,
      type: 'text',
      text: { preview_url: false, body: reply.text },
      ...(reply.inReplyTo ? { context: { message_id: reply.inReplyTo } } : {}),
    };
    let response;
    try {
      response = await transport.http({
        method: 'POST',
        url: `https://graph.facebook.com/${graphVersionOf(settings)}/${address.phoneNumberId}/messages`,
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return failure(true, redact(`WhatsApp could not be reached: ${(error as Error)?.message ?? 'network error'}`, secrets));
    }
    return resultOf(response.status, response.body, reply.replyId, secrets);
  },
};

function parseWebhook(json: unknown, context: ParseContext) {
  const envelope = whatsappEnvelope.safeParse(json);
  if (!envelope.success) throw problems.badRequest('The body is not a WhatsApp Business Account webhook.', fieldErrors(envelope.error.issues));
  const messages: InboundMessage[] = [];
  const ignored: string[] = [];
  envelope.data.entry.forEach((entry, e) =>
    entry.changes.forEach((change, c) => {
      if (change.field !== 'messages') {
        ignored.push(ignoredKind('field', change.field));
        return;
      }
      const value = messagesValue.safeParse(change.value);
      if (!value.success) throw problems.badRequest('A messages change does not match the WhatsApp format.', fieldErrors(value.error.issues, `entry.${e}.changes.${c}.value`));
      for (const m of value.data.messages ?? []) {
        const content = contentOf(m);
        if ('ignored' in content) ignored.push(content.ignored);
        else messages.push(canonical(m, content, value.data, context));
      }
      ignored.push(...(value.data.statuses ?? []).map(() => 'status'), ...(value.data.errors ?? []).map(() => 'error'));
    }),
  );
  return { messages, ignored };
}

interface Content {
  readonly text: string;
  readonly attachments: AttachmentRef[];
}

/** What the customer sent, as text and media, or the kind of event it is when it is not a message. */
function contentOf(m: WhatsAppMessage): Content | { ignored: string } {
  if (m.type === 'text') return { text: m.text!.body, attachments: [] };
  if ((MEDIA_TYPES as readonly string[]).includes(m.type)) {
    const item = m[m.type as MediaType]!;
    return { text: item.caption ?? '', attachments: [attachmentOf(item, m.type === 'document')] };
  }
  if (m.type === 'location') return { text: locationText(m.location!), attachments: [] };
  if (m.type === 'button') return { text: m.button!.text, attachments: [] };
  if (m.type === 'contacts') return { text: contactsText(m.contacts!), attachments: [] };
  if (m.type === 'interactive') {
    const i = m.interactive!;
    if (i.type === 'button_reply') return { text: i.button_reply!.title, attachments: [] };
    if (i.type === 'list_reply') return { text: i.list_reply!.title, attachments: [] };
    return { ignored: ignoredKind('interactive', i.type) };
  }
  if (m.type === 'reaction' || m.type === 'unsupported' || m.type === 'system') return { ignored: m.type };
  return { ignored: ignoredKind('message', m.type) };
}

function attachmentOf(item: z.infer<typeof media>, withName: boolean): AttachmentRef {
  return {
    mediaId: item.id,
    ...(item.mime_type ? { contentType: clamp(item.mime_type, LIMITS.contentType) } : {}),
    ...(withName && item.filename ? { name: clamp(item.filename, LIMITS.name) } : {}),
  };
}

function locationText(l: NonNullable<WhatsAppMessage['location']>): string {
  const label = [l.name, l.address].filter((p) => p && p.trim()).join(', ');
  return `Location: ${label ? `${label} ` : ''}(${l.latitude}, ${l.longitude})`;
}

function contactsText(contacts: NonNullable<WhatsAppMessage['contacts']>): string {
  const lines = contacts.map((c) =>
    [c.name?.formatted_name, ...(c.phones ?? []).map((p) => p.phone), ...(c.emails ?? []).map((m) => m.email)].filter((p) => p && p.trim()).join(', '),
  );
  return `Shared contact: ${lines.filter(Boolean).join('; ') || '(empty card)'}`;
}

function canonical(m: WhatsAppMessage, content: Content, value: MessagesValue, context: ParseContext): InboundMessage {
  const contacts = value.contacts ?? [];
  const profileName = (contacts.find((c) => c.wa_id === m.from) ?? (contacts.length === 1 ? contacts[0] : undefined))?.profile?.name?.trim();
  const id = clamp(m.id, LIMITS.providerMessageId);
  return {
    schemaVersion: 1,
    channel: 'whatsapp',
    providerMessageId: id,
    customer: { handles: [handleOf(m.from, context.defaultPhoneRegion)], ...(profileName ? { displayName: clamp(profileName, LIMITS.displayName) } : {}) },
    text: clamp(content.text, LIMITS.text),
    attachments: content.attachments.slice(0, LIMITS.attachments),
    sentAt: sentAtFromUnix(m.timestamp, context.receivedAt),
    receivedAt: context.receivedAt,
    rawRef: clamp(`whatsapp:${id}`, LIMITS.rawRef),
    replyTo: clamp(`${value.metadata.phone_number_id}:${m.from}`, LIMITS.replyTo),
    ...(m.context?.id ? { thread: { providerMessageIds: [clamp(m.context.id, LIMITS.threadId)] } } : {}),
  };
}

/** The sender's phone number in E.164; a `from` that is not one (Meta may add other ids) stays reachable as a channel user. */
function handleOf(from: string, region: string): CustomerHandle {
  const digits = /^\+?(\d{6,15})$/.exec(from)?.[1];
  const e164 = digits ? normalizePhone(`+${digits}`, region) : undefined;
  return e164 ? { kind: 'phone', value: e164 } : { kind: 'channel-user', value: `whatsapp:${from}` };
}

function graphVersionOf(settings: Readonly<Record<string, unknown>>): string {
  const v = settings.graphApiVersion;
  return typeof v === 'string' && /^v\d+\.\d+$/.test(v) ? v : 'v21.0';
}

/** `<phone number id>:<wa_id>`; a bare number when the configured phone number id says where from. */
function parseAddress(to: string, configured: string | undefined): { phoneNumberId: string; waId: string } | undefined {
  const full = /^(\d{1,32}):\+?(\d{6,15})$/.exec(to.trim());
  if (full) return { phoneNumberId: configured ?? full[1]!, waId: full[2]! };
  const bare = /^\+?(\d{6,15})$/.exec(to.trim());
  return bare && configured ? { phoneNumberId: configured, waId: bare[1]! } : undefined;
}

function resultOf(status: number, body: string, replyId: string, secrets: ChannelSecrets): DeliveryResult {
  const json = tryJson(body);
  if (status >= 200 && status < 300) {
    const ok = graphSuccess.safeParse(json);
    // A 2xx is Meta's acceptance; without an id, the reply's own id still identifies it, and a retry would send it twice.
    return { ok: true, providerMessageId: ok.success ? clamp(ok.data.messages[0]!.id, LIMITS.providerMessageId) : `whatsapp:${replyId}` };
  }
  const parsed = graphError.safeParse(json);
  if (!parsed.success) return failure(isRetryableStatus(status), `WhatsApp HTTP ${status}`);
  const { code, message, error_data } = parsed.data.error;
  if (code === OUTSIDE_WINDOW) {
    return permanent(`WhatsApp ${OUTSIDE_WINDOW}: more than 24 hours have passed since the customer last wrote, so WhatsApp only accepts an approved template message until they write again.`);
  }
  const detail = [message, error_data?.details].filter(Boolean).join(' — ');
  const reason = redact(`WhatsApp ${code ?? `HTTP ${status}`}: ${detail || 'no error message'}`, secrets);
  return failure((code !== undefined && RETRYABLE_CODES.has(code)) || isRetryableStatus(status), reason);
}
