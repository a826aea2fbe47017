import * as z from 'zod';
import type { AttachmentRef, CustomerHandle, InboundMessage } from '../../events/inbound-message';
import { fieldErrors, problems } from '../http/problem';
import { type Channel, isRetryableStatus } from './channel';
import { replyAddresses } from './reply-addresses';
import { clamp, failure, redact, sentAtFromUnix, tryJson } from './common';
import { safeEqual } from './signatures';
import { normalizePhone, parseJsonBody } from './web';

/**
 * Telegram bots: the Bot API posts each `Update` as JSON to the webhook set with `setWebhook`,
 * carrying the `secret_token` given there in X-Telegram-Bot-Api-Secret-Token; replies go out
 * through `sendMessage`.
 */

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** sendMessage takes 1–4,096 characters of text. */
export const MAX_TEXT_CHARS = 4096;

const MAX_ATTACHMENTS = 20;

const user = z.object({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});

const file = z.object({
  file_id: z.string(),
  file_size: z.number().optional(),
  mime_type: z.string().optional(),
  file_name: z.string().optional(),
});

const location = z.object({ latitude: z.number(), longitude: z.number() });

/** The parts of a Message Switchboard reads; the rest (entities, forward origin, …) is left alone. */
const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  edit_date: z.number().int().optional(),
  // Telegram always sends the type; its own example updates sometimes leave it out.
  chat: z.object({ id: z.number().int(), type: z.string().optional() }),
  from: user.optional(),
  sender_chat: z.object({ id: z.number().int() }).optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(file.extend({ width: z.number().optional(), height: z.number().optional() })).optional(),
  document: file.optional(),
  animation: file.optional(),
  audio: file.optional(),
  video: file.optional(),
  video_note: file.optional(),
  voice: file.optional(),
  sticker: file.extend({ is_animated: z.boolean().optional(), is_video: z.boolean().optional() }).optional(),
  location: location.optional(),
  venue: z.object({ location, title: z.string().optional(), address: z.string().optional() }).optional(),
  contact: z.object({ phone_number: z.string(), first_name: z.string().optional(), last_name: z.string().optional(), user_id: z.number().int().optional() }).optional(),
  reply_to_message: z.object({ message_id: z.number().int() }).optional(),
});
type TelegramMessage = z.infer<typeof message>;

const update = z.looseObject({
  update_id: z.number().int(),
  message: message.optional(),
  edited_message: message.optional(),
});

/** Fields of a Message that only ever announce something about the chat (joins, pins, titles, …). */
const serviceFields = [
  'new_chat_members', 'left_chat_member', 'new_chat_title', 'new_chat_photo', 'delete_chat_photo', 'group_chat_created',
  'supergroup_chat_created', 'channel_chat_created', 'message_auto_delete_timer_changed', 'migrate_to_chat_id',
  'migrate_from_chat_id', 'pinned_message', 'successful_payment', 'users_shared', 'chat_shared', 'write_access_allowed',
  'forum_topic_created', 'forum_topic_edited', 'forum_topic_closed', 'forum_topic_reopened', 'video_chat_started',
  'video_chat_ended', 'video_chat_scheduled', 'video_chat_participants_invited', 'boost_added', 'proximity_alert_triggered',
];

/**
 * The kind of an update: the name of its one optional field (`message`, `callback_query`, …),
 * kept to a plain identifier since it becomes a metric dimension.
 */
function updateKind(raw: Record<string, unknown>): string {
  const kind = Object.keys(raw).find((k) => k !== 'update_id' && typeof raw[k] === 'object' && raw[k] !== null);
  return kind && /^[a-z_]{1,64}$/.test(kind) ? kind : 'unknown';
}

type FileInfo = z.infer<typeof file>;

function attachment(f: FileInfo, contentType?: string): AttachmentRef | undefined {
  // A clipped file id would name another file or none, so an oversized one is left out.
  if (f.file_id.length === 0 || f.file_id.length > 512) return undefined;
  const type = f.mime_type ?? contentType;
  const size = f.file_size;
  return {
    mediaId: f.file_id,
    ...(type && type.length <= 255 ? { contentType: type } : {}),
    ...(f.file_name ? { name: clamp(f.file_name, 255) } : {}),
    ...(size !== undefined && Number.isSafeInteger(size) && size >= 0 ? { sizeBytes: size } : {}),
  };
}

function stickerType(sticker: NonNullable<TelegramMessage['sticker']>): string {
  if (sticker.is_animated) return 'application/x-tgsticker';
  return sticker.is_video ? 'video/webm' : 'image/webp';
}

/** Media as attachments fetched later by file id; Telegram photos come in several sizes, of which the largest is kept. */
function attachmentsOf(m: TelegramMessage): AttachmentRef[] {
  const photo = m.photo?.reduce<(typeof m.photo)[number] | undefined>(
    (best, p) => (!best || (p.width ?? 0) * (p.height ?? 0) >= (best.width ?? 0) * (best.height ?? 0) ? p : best),
    undefined,
  );
  const candidates = [
    photo && attachment(photo, 'image/jpeg'),
    // An animation also arrives as a document with the same file; the file-id check below keeps one.
    m.animation && attachment(m.animation, 'video/mp4'),
    m.document && attachment(m.document),
    m.video && attachment(m.video),
    m.video_note && attachment(m.video_note, 'video/mp4'),
    m.voice && attachment(m.voice, 'audio/ogg'),
    m.audio && attachment(m.audio),
    m.sticker && attachment(m.sticker, stickerType(m.sticker)),
  ];
  const byFileId = new Map<string, AttachmentRef>();
  for (const a of candidates) if (a?.mediaId && !byFileId.has(a.mediaId)) byFileId.set(a.mediaId, a);
  return [...byFileId.values()].slice(0, MAX_ATTACHMENTS);
}

function placeOf(m: TelegramMessage): string | undefined {
  const at = m.venue?.location ?? m.location;
  if (!at) return undefined;
  const place = [m.venue?.title, m.venue?.address].filter(Boolean).join(', ');
  return `Location: ${at.latitude}, ${at.longitude}${place ? ` (${place})` : ''}`;
}

function contactOf(m: TelegramMessage): string | undefined {
  if (!m.contact) return undefined;
  const name = [m.contact.first_name, m.contact.last_name].filter(Boolean).join(' ');
  return `Contact: ${[name, m.contact.phone_number].filter(Boolean).join(', ')}`;
}

/**
 * A contact a user shares of themselves (the "share my phone number" button) holds the number of
 * their account, international but often without the `+`.
 */
function ownPhone(m: TelegramMessage, region: string): string | undefined {
  if (!m.contact || m.contact.user_id === undefined || m.contact.user_id !== m.from?.id) return undefined;
  const digits = m.contact.phone_number.replace(/[^\d+]/g, '');
  return normalizePhone(digits.startsWith('+') ? digits : `+${digits}`, region);
}

function displayNameOf(from: z.infer<typeof user>): string | undefined {
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ').trim() || from.username?.trim();
  return name ? clamp(name, 200) : undefined;
}

type Outcome = { message: InboundMessage } | { ignored: string };

function fromMessage(kind: 'message' | 'edited_message', m: TelegramMessage, region: string, receivedAt: string): Outcome {
  const from = m.from;
  if (!from || m.sender_chat) return { ignored: `${kind}:anonymous` };
  if (from.is_bot) return { ignored: `${kind}:bot` };
  const edited = kind === 'edited_message';
  if (edited && m.edit_date === undefined) throw problems.badRequest('An edited message needs its edit date.', [{ field: 'edited_message.edit_date', message: 'is required' }]);
  // A live location is shared by editing its message every few seconds; those edits are not new questions.
  if (edited && !m.text && !m.caption && (m.location || m.venue)) return { ignored: `${kind}:live_location` };

  const attachments = attachmentsOf(m);
  const body = [m.text ?? m.caption, placeOf(m), contactOf(m)].filter(Boolean).join('\n');
  if (!body && attachments.length === 0) {
    return { ignored: `${kind}:${serviceFields.some((f) => f in m) ? 'service' : 'unsupported'}` };
  }

  const chat = m.chat.id;
  const id = edited ? `${chat}:${m.message_id}:edited:${m.edit_date}` : `${chat}:${m.message_id}`;
  const phone = ownPhone(m, region);
  const handles: CustomerHandle[] = [{ kind: 'channel-user', value: `telegram:${from.id}` }, ...(phone ? [{ kind: 'phone' as const, value: phone }] : [])];
  const displayName = displayNameOf(from);
  // An edit belongs with the message it changes; a reply with the message it quotes.
  const threadIds = [...(edited ? [`${chat}:${m.message_id}`] : []), ...(m.reply_to_message ? [`${chat}:${m.reply_to_message.message_id}`] : [])];
  return {
    message: {
      schemaVersion: 1,
      channel: 'telegram',
      providerMessageId: id,
      customer: { handles, ...(displayName ? { displayName } : {}) },
      text: clamp(edited ? `(edited) ${body}`.trimEnd() : body, 65_536),
      attachments,
      sentAt: sentAtFromUnix(edited ? m.edit_date : m.date, receivedAt),
      receivedAt,
      rawRef: `telegram:${id}`,
      // Always the customer's private chat (its id is the user's): an answer may hold their order or
      // address, which must not be posted to everyone in a group they wrote from. A user who never
      // opened the bot cannot be written to; Telegram's refusal then shows on the reply.
      replyTo: String(from.id),
      ...(threadIds.length > 0 ? { thread: { providerMessageIds: threadIds } } : {}),
    },
  };
}

/** `<chat>:<message_id>` (or an edit's id) of a message in the same chat, as the message id to reply to. */
function replyTarget(inReplyTo: string | undefined, chat: string): number | undefined {
  const match = inReplyTo ? /^(-?\d+):(\d+)(?::edited:\d+)?$/.exec(inReplyTo) : null;
  return match && match[1] === chat ? Number(match[2]) : undefined;
}

interface BotApiAnswer {
  ok?: unknown;
  result?: { message_id?: unknown };
  error_code?: unknown;
  description?: unknown;
}

function answerOf(body: string): BotApiAnswer | undefined {
  const answer = tryJson(body);
  return typeof answer === 'object' && answer !== null ? (answer as BotApiAnswer) : undefined;
}

export const telegram: Channel = {
  name: 'telegram',
  contentTypes: ['application/json'],
  secretFields: ['secretToken', 'botToken'],

  verify(request, context) {
    const token = request.headers[SECRET_HEADER];
    if (!token) throw problems.unauthorized(`Send the secret token set with setWebhook in ${SECRET_HEADER}.`);
    const expected = context.secrets.secretToken;
    if (!expected || !safeEqual(token, expected)) throw problems.unauthorized(`${SECRET_HEADER} does not match this channel's secret token.`);
  },

  parse(request, context) {
    const raw = parseJsonBody(request);
    const result = update.safeParse(raw);
    if (!result.success) throw problems.badRequest('The body is not a Telegram Update.', fieldErrors(result.error.issues));
    const kind = updateKind(result.data);
    const m = kind === 'message' ? result.data.message : kind === 'edited_message' ? result.data.edited_message : undefined;
    if (!m) return { messages: [], ignored: [kind] };
    const outcome = fromMessage(kind as 'message' | 'edited_message', m, context.defaultPhoneRegion, context.receivedAt);
    return 'message' in outcome ? { messages: [outcome.message], ignored: [] } : { messages: [], ignored: [outcome.ignored] };
  },

  acknowledge() {
    // An empty 200: a JSON body would be read by Telegram as a Bot API call to make.
    return { statusCode: 200 };
  },

  replyAddress: replyAddresses.telegram,

  async send(reply, { secrets, transport }) {
    const { botToken } = secrets;
    if (!botToken) return failure(false, 'The telegram channel secret needs botToken.');
    if (!/^-?\d{1,20}$/.test(reply.to)) return failure(false, 'The customer\'s address is not a Telegram chat id.');
    if (reply.text.trim().length === 0) return failure(false, 'The reply is empty.');
    if (reply.text.length > MAX_TEXT_CHARS) {
      return failure(false, `The reply is ${reply.text.length} characters; Telegram sends at most ${MAX_TEXT_CHARS} in one message. Shorten it.`);
    }

    const chatId = Number.isSafeInteger(Number(reply.to)) ? Number(reply.to) : reply.to;
    const replyTo = replyTarget(reply.inReplyTo, reply.to);
    const payload = {
      chat_id: chatId,
      text: reply.text,
      // Still sent when the customer has deleted the message it answers.
      ...(replyTo !== undefined ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
    };
    let response;
    try {
      response = await transport.http({
        method: 'POST',
        url: `https://api.telegram.org/bot${botToken}/sendMessage`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
    } catch (error) {
      // The token is in the URL, which network errors like to quote.
      return failure(true, redact(`Telegram unreachable: ${error instanceof Error ? error.message : String(error)}`, secrets));
    }

    const answer = answerOf(response.body);
    if (response.status >= 200 && response.status < 300 && answer?.ok === true) {
      const id = answer.result?.message_id;
      // Telegram sent the message: retrying would send it twice, so a missing id is not retried.
      return typeof id === 'number' && Number.isSafeInteger(id)
        ? { ok: true, providerMessageId: `${reply.to}:${id}` }
        : failure(false, `Telegram answered ${response.status} without a message id.`);
    }
    const code = typeof answer?.error_code === 'number' ? answer.error_code : response.status;
    const description = typeof answer?.description === 'string' ? answer.description : `HTTP ${response.status}`;
    return failure(isRetryableStatus(response.status), redact(`Telegram ${code}: ${description}`, secrets));
  },
};
