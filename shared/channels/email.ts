import { createHash } from 'node:crypto';
import type { SESEventRecord } from 'aws-lambda';
import type PostalMime from 'postal-mime';
import * as z from 'zod';
import type { AttachmentRef, CustomerHandle, InboundMessage } from '../../events/inbound-message';
import { HttpProblem, problems } from '../http/problem';
import { type Channel, type DeliveryResult, isRetryableStatus, type OutboundReply, type ParseContext, type ParsedWebhook, type SesEmail } from './channel';
import { replyAddresses } from './reply-addresses';
import { acceptedResponse, clamp, failure, permanent, sentAtFromMillis } from './common';
import { signedLikeWeb } from './signatures';

/**
 * Email, received by Amazon SES (a receipt rule stores the raw MIME in S3 and invokes the email
 * function, which calls `parseSesEmail`) or posted raw as `message/rfc822` to the webhook, signed
 * like the web channel. Replies go out through SES v2 SendEmail, threaded by In-Reply-To and a
 * `[#tkt_…]` reference in the subject.
 */

/** Where SES stored the raw message. */
export interface S3Source {
  readonly bucket: string;
  readonly key: string;
}

const MAX_TEXT = 65_536;
const MAX_DISPLAY_NAME = 200;
const MAX_PROVIDER_ID = 256;
const MAX_ATTACHMENTS = 20;
const MAX_THREAD_IDS = 20;
const MAX_THREAD_ID_LENGTH = 998;
const MAX_RAW_REF = 1024;
const MAX_URL = 2048;
/** More body than the ticket can hold is never read, so trimming stays cheap on huge messages. */
const MAX_BODY_SCAN = 4 * MAX_TEXT;
const MAX_HTML_SCAN = 2_000_000;

const emailAddress = z.email().max(254);
const TICKET_REF = /\[#(tkt_[0-9a-f]{16})\]/i;
const TICKET_REFS = /\[#tkt_[0-9a-f]{16}\]/gi;
/** Reply and forward prefixes in the languages customers write in, with counters like `Re[2]:`. */
const SUBJECT_PREFIXES = /^(?:\s*(?:re|fwd?|aw|wg|sv|vs|回复|回覆|答复|转发|轉寄|转寄)\s*(?:\[\d{1,3}\]|\(\d{1,3}\))?\s*[:：])+/i;
const AUTOMATED_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);

type Mail = PostalMime.Email;
type MailAddress = PostalMime.Address;
type Mailbox = { name: string; address: string };

/** The messages in one raw RFC 822 email: none for auto-replies and bounces, else one. Throws 400 problems. */
export async function parseEmail(raw: Buffer, context: ParseContext, source?: S3Source, options: { trustReplyTo?: boolean } = {}): Promise<ParsedWebhook> {
  const mail = await readMime(raw);
  try {
    return toParsed(mail, raw, context, source, options.trustReplyTo ?? true);
  } catch (error) {
    // Every input must end in a message or a problem document, never in a 500.
    if (error instanceof HttpProblem) throw error;
    throw problems.badRequest('The email could not be read.', [{ field: 'body', message: 'not a readable RFC 822 message' }]);
  }
}

/** An email SES received: its spam and virus verdicts first (no parsing of what failed them), then the message. */
export async function parseSesEmail(raw: Buffer, record: SESEventRecord, source: S3Source, context: ParseContext): Promise<ParsedWebhook> {
  const receipt = (record as Partial<SESEventRecord> | undefined)?.ses?.receipt;
  if (receipt?.virusVerdict?.status === 'FAIL') return { messages: [], ignored: ['virus'] };
  if (receipt?.spamVerdict?.status === 'FAIL') return { messages: [], ignored: ['spam'] };
  // A From the sending domain disowns would let anyone write on a customer's ticket as them.
  if (receipt?.dmarcVerdict?.status === 'FAIL') return { messages: [], ignored: ['dmarc-fail'] };
  // Reply-To redirects the agent's answers: only mail SPF or DKIM vouches for may set it.
  const authenticated = receipt?.spfVerdict?.status === 'PASS' || receipt?.dkimVerdict?.status === 'PASS';
  return parseEmail(raw, context, source, { trustReplyTo: authenticated });
}

/**
 * The MIME parser, loaded on the first email: the webhook function serves every channel, and the
 * others should not pay for it at cold start.
 */
let mimeLibrary: Promise<typeof PostalMime> | undefined;
const mimeParser = () => (mimeLibrary ??= import('postal-mime').then((m) => m.default));

async function readMime(raw: Buffer): Promise<Mail> {
  const parser = await mimeParser();
  try {
    return await parser.parse(raw);
  } catch {
    throw problems.badRequest('The body is not a readable email.', [{ field: 'body', message: 'not a readable RFC 822 message' }]);
  }
}

function toParsed(mail: Mail, raw: Buffer, context: ParseContext, source: S3Source | undefined, trustReplyTo: boolean): ParsedWebhook {
  const automated = automatedKind(mail);
  if (automated) return { messages: [], ignored: [automated] };

  const sender = senderOf(mail);
  const providerMessageId = providerMessageIdOf(mail.messageId, raw);
  const subject = cleanSubject(mail.subject ?? '');
  const body = trimQuotedReply(bodyTextOf(mail));
  const text = clamp(subject.text && body ? `${subject.text}\n\n${body}` : subject.text || body, MAX_TEXT);
  const attachments = attachmentRefs(mail.attachments, providerMessageId, source);
  if (!text.trim() && attachments.length === 0) return { messages: [], ignored: ['empty'] };

  const handles: CustomerHandle[] = [{ kind: 'email', value: sender.address }];
  const thread = threadOf(subject.ticketId, mail.inReplyTo, mail.references);
  const message: InboundMessage = {
    schemaVersion: 1,
    channel: 'email',
    providerMessageId,
    customer: { handles, ...(sender.name ? { displayName: sender.name } : {}) },
    text,
    attachments,
    // The Date header; without one, or with an absurd one, when the message arrived.
    sentAt: sentAtFromMillis(mail.date ? Date.parse(mail.date) : NaN, context.receivedAt),
    receivedAt: context.receivedAt,
    rawRef: (source ? s3Url(source) : `email:${providerMessageId}`).slice(0, MAX_RAW_REF),
    replyTo: (trustReplyTo ? replyToOf(mail) : undefined) ?? sender.address,
    ...(thread ? { thread } : {}),
  };
  return { messages: [message], ignored: [] };
}

/** `bounce` for delivery reports and mailer daemons, `auto-reply` for out-of-office and other automatic mail (RFC 3834). */
export function automatedKind(mail: Pick<Mail, 'headers' | 'from'>): 'bounce' | 'auto-reply' | undefined {
  const header = (key: string) => mail.headers.find((h) => h.key === key)?.value;
  const token = (value: string | undefined) => (value ?? '').split(/[;(]/)[0]!.trim().toLowerCase();
  const from = mail.from ? firstMailbox([mail.from]) : undefined;
  if (token(header('content-type')) === 'multipart/report') return 'bounce';
  if (from && /^(mailer-daemon|postmaster)(@|$)/i.test(from.address.trim())) return 'bounce';
  const autoSubmitted = token(header('auto-submitted'));
  if (autoSubmitted && autoSubmitted !== 'no') return 'auto-reply';
  if (AUTOMATED_PRECEDENCE.has(token(header('precedence')))) return 'auto-reply';
  if (mail.headers.some((h) => h.key === 'x-autoreply' || h.key === 'x-autorespond')) return 'auto-reply';
  return undefined;
}

function senderOf(mail: Mail): { address: string; name?: string } {
  const from = mail.from ? firstMailbox([mail.from]) : undefined;
  const address = from?.address.trim().toLowerCase() ?? '';
  if (!emailAddress.safeParse(address).success) {
    const present = mail.headers.some((h) => h.key === 'from');
    throw problems.badRequest('The email has no valid sender.', [{ field: 'from', message: present ? 'not a valid email address' : 'missing' }]);
  }
  const name = clamp(cleanLine(from?.name ?? ''), MAX_DISPLAY_NAME).trim();
  return { address, ...(name ? { name } : {}) };
}

function replyToOf(mail: Mail): string | undefined {
  const mailbox = mail.replyTo ? firstMailbox(mail.replyTo) : undefined;
  const address = mailbox?.address.trim().toLowerCase() ?? '';
  return emailAddress.safeParse(address).success ? address : undefined;
}

/** The first mailbox with an address, looking inside groups. */
function firstMailbox(addresses: readonly MailAddress[]): Mailbox | undefined {
  for (const a of addresses) {
    if (typeof a?.address === 'string' && a.address) return { name: typeof a.name === 'string' ? a.name : '', address: a.address };
    const member = a?.group?.find((m) => typeof m?.address === 'string' && m.address);
    if (member) return { name: member.name ?? '', address: member.address };
  }
  return undefined;
}

/** The Message-ID without brackets; a hash of the raw bytes when there is none (a redelivery dedupes), or of an overlong id. */
export function providerMessageIdOf(messageId: string | undefined, raw: Buffer): string {
  const id = messageIdsIn(messageId ?? '')[0] ?? '';
  if (!id) return `sha256:${sha256Hex(raw)}`;
  return id.length <= MAX_PROVIDER_ID ? id : `sha256:${sha256Hex(id)}`;
}

/** Message ids in a Message-ID, In-Reply-To or References header, without angle brackets, in order. */
function messageIdsIn(header: string): string[] {
  const bracketed = [...header.matchAll(/<([^<>\s]{1,998})>/g)].map((m) => m[1]!);
  const ids = bracketed.length > 0 ? bracketed : header.split(/[\s,<>]+/).filter((id) => id.length > 0 && id.length <= MAX_THREAD_ID_LENGTH);
  return ids.map(withoutSesDomain).filter((id) => id.length > 0);
}

/**
 * SES writes the MessageId that SendEmail returns into the Message-ID header as
 * `<MessageId@email.amazonses.com>` (or `@<region>.amazonses.com`); a reply to one of our emails
 * then names the id delivery recorded for it (as a message of the reply's ticket), so it threads.
 */
function withoutSesDomain(id: string): string {
  return id.replace(/@(?:email|[a-z]{2}(?:-[a-z]+)+-\d)\.amazonses\.com$/i, '');
}

function threadOf(ticketId: string | undefined, inReplyTo: string | undefined, references: string | undefined): InboundMessage['thread'] {
  const ids: string[] = [];
  // References run oldest to newest and In-Reply-To names the parent: the parent ends up last.
  for (const id of [...messageIdsIn(references ?? ''), ...messageIdsIn(inReplyTo ?? '')]) {
    const seen = ids.indexOf(id);
    if (seen >= 0) ids.splice(seen, 1);
    ids.push(id);
  }
  if (!ticketId && ids.length === 0) return undefined;
  return { ...(ticketId ? { ticketId } : {}), providerMessageIds: ids.slice(-MAX_THREAD_IDS) };
}

/** The subject as a ticket's first line: reply prefixes and the ticket reference removed, the reference kept apart. */
export function cleanSubject(subject: string): { text: string; ticketId?: string } {
  const ticketId = TICKET_REF.exec(subject)?.[1]?.toLowerCase();
  const text = clamp(cleanLine(subject.replace(TICKET_REFS, ' ')).replace(SUBJECT_PREFIXES, '').trim(), 998);
  return { text, ...(ticketId ? { ticketId } : {}) };
}

/** Plain text preferred; HTML-only mail converted (postal-mime gives no text for it). */
function bodyTextOf(mail: Mail): string {
  const plain = typeof mail.text === 'string' ? mail.text : '';
  const text = plain.trim() ? plain : typeof mail.html === 'string' ? htmlToText(mail.html) : '';
  return text.slice(0, MAX_BODY_SCAN);
}

function attachmentRefs(list: Mail['attachments'], providerMessageId: string, source: S3Source | undefined): AttachmentRef[] {
  // n is the attachment's index in PostalMime.parse(raw).attachments, so whoever fetches it re-parses the stored message.
  return list.slice(0, MAX_ATTACHMENTS).map((a, n) => {
    const url = source ? `${s3Url(source)}#part=${n}` : undefined;
    const ref: AttachmentRef = url && url.length <= MAX_URL ? { url } : { mediaId: `${providerMessageId}#part=${n}` };
    const name = typeof a.filename === 'string' ? cleanLine(a.filename).slice(0, 255) : '';
    const contentType = typeof a.mimeType === 'string' ? a.mimeType.slice(0, 255) : '';
    const sizeBytes = sizeOf(a.content);
    return { ...ref, ...(name ? { name } : {}), ...(contentType ? { contentType } : {}), ...(sizeBytes !== undefined ? { sizeBytes } : {}) };
  });
}

function sizeOf(content: unknown): number | undefined {
  if (content instanceof ArrayBuffer || ArrayBuffer.isView(content)) return content.byteLength;
  if (typeof content === 'string') return Buffer.byteLength(content);
  return undefined;
}

/** `s3://bucket/key`, each key segment percent-encoded so the URL stays valid for any key. */
function s3Url(source: S3Source): string {
  return `s3://${encodeURIComponent(source.bucket)}/${source.key.split('/').map(encodeURIComponent).join('/')}`;
}

/** One line: control characters and runs of whitespace become single spaces. */
function cleanLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

const WROTE_HEADERS = [
  /^On\b.*\bwrote\s*:$/i,
  /^Le\b.*\ba écrit\s*:$/i,
  /^Am\b.*\bschrieb\b.*:$/i,
  /^El\b.*\bescribió\s*:$/i,
  /^[在於].*[写寫]道\s*[:：]$/,
];
/** Lines that start a "… wrote:" header, which clients wrap over two lines when it is long. */
const WROTE_OPENER = /^(?:On|Le|Am|El)\b|^[在於]/i;
const SEPARATORS = [
  /^-{2,}\s*Original Message\s*-{2,}$/i,
  /^-{2,}\s*原始[邮郵]件\s*-{2,}$/,
  /^_{16,}$/,
];
const FROM_LINE = /^From\s*:\s*\S/i;
const SENT_LINE = /^(?:Sent|Date)\s*:\s*\S/i;
const CHINESE_FROM_LINE = /^(?:发件人|寄件者|寄件人)\s*[:：]/;
/** A forwarded message's own headers are content, not history. */
const FORWARD_MARKER = /^(?:-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|-{2,}\s*[转轉]发的[邮郵]件\s*-{2,})$/i;
const MAX_HEADER_LINE = 500;

/**
 * The customer's own words, without the earlier conversation the ticket already holds: the text
 * cut at the first reply header ("On … wrote:", possibly wrapped over two lines; "-----Original
 * Message-----"; Outlook's "From: … Sent: …" block; "在 … 写道：", "发件人:", "-----原始邮件-----";
 * a line of underscores), then trailing quoted ('>') lines dropped. Falls back to the whole text
 * rather than return nothing.
 */
export function trimQuotedReply(text: string): string {
  const original = text.replace(/\r\n?/g, '\n');
  const lines = original.split('\n');
  const cut = lines.findIndex((_line, i) => isReplyHeader(lines, i));
  const kept = cut >= 0 ? lines.slice(0, cut) : lines;
  while (kept.length > 0 && (kept[kept.length - 1]!.trim() === '' || kept[kept.length - 1]!.trimStart().startsWith('>'))) kept.pop();
  const trimmed = kept.join('\n').replace(/^(?:[ \t]*\n)+/, '').trimEnd();
  return trimmed.trim() ? trimmed : original.trim();
}

function isReplyHeader(lines: readonly string[], i: number): boolean {
  const line = headerLine(lines[i]!);
  if (!line || line.length > MAX_HEADER_LINE) return false;
  if (SEPARATORS.some((re) => re.test(line))) return true;
  if (isWroteHeader(line)) return true;
  if (WROTE_OPENER.test(line) && i + 1 < lines.length) {
    const wrapped = `${line} ${headerLine(lines[i + 1]!)}`;
    if (wrapped.length <= MAX_HEADER_LINE && isWroteHeader(wrapped)) return true;
  }
  const isFrom = FROM_LINE.test(line) || CHINESE_FROM_LINE.test(line);
  if (!isFrom || isForwarded(lines, i)) return false;
  if (CHINESE_FROM_LINE.test(line)) return true;
  // Outlook's block: From, then Sent (or Date) within the next few lines.
  return nextLines(lines, i, 3).some((next) => SENT_LINE.test(next));
}

/** Clients bold the header names ("*From:*") when they turn HTML replies into text. */
function headerLine(line: string): string {
  return line.replace(/\*/g, '').trim();
}

function isWroteHeader(line: string): boolean {
  return /[\d@]/.test(line) && WROTE_HEADERS.some((re) => re.test(line));
}

function nextLines(lines: readonly string[], i: number, count: number): string[] {
  const out: string[] = [];
  for (let j = i + 1; j < lines.length && out.length < count; j++) {
    const line = headerLine(lines[j]!);
    if (line) out.push(line);
  }
  return out;
}

function isForwarded(lines: readonly string[], i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const line = headerLine(lines[j]!);
    if (line) return FORWARD_MARKER.test(line);
  }
  return false;
}

const DROPPED_ELEMENTS: Readonly<Record<string, RegExp>> = {
  ...Object.fromEntries(['script', 'style', 'title', 'template', 'noscript'].map((name) => [name, new RegExp(`</${name}\\s*>`, 'gi')])),
  // A head left open ends where the body starts.
  head: /<\/head\s*>|(?=<body\b)/gi,
};
const BLOCK_ELEMENTS = new Set([
  'p', 'div', 'br', 'table', 'tbody', 'thead', 'ul', 'ol', 'dl', 'dt', 'dd', 'blockquote', 'pre', 'hr',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'article', 'header', 'footer', 'center', 'address',
]);
const CELL_ELEMENTS = new Set(['td', 'th']);
const TAG_NAME = /^(\/?)([a-zA-Z][a-zA-Z0-9]*)/;
const HREF = /\bhref\s*=\s*["']?([^"'\s>]+)/i;

/**
 * HTML as readable text, for mail without a plain part. One forward pass over the markup, linear
 * on any input: script, style and similar elements are dropped whole, block elements become line
 * breaks, links keep their target, entities are decoded.
 */
export function htmlToText(input: string): string {
  const html = input.slice(0, MAX_HTML_SCAN);
  const out: string[] = [];
  let link: { href: string; from: number } | undefined;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(textOf(html.slice(i)));
      break;
    }
    if (lt > i) out.push(textOf(html.slice(i, lt)));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const next = html[lt + 1] ?? '';
    // A '<' that opens no tag is text, as browsers read it.
    if (!/[a-zA-Z/!?]/.test(next)) {
      out.push('<');
      i = lt + 1;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    i = gt + 1;
    const tag = TAG_NAME.exec(html.slice(lt + 1, Math.min(gt, lt + 64)));
    if (!tag) continue;
    const closing = tag[1] === '/';
    const name = tag[2]!.toLowerCase();
    const dropUntil = DROPPED_ELEMENTS[name];
    if (dropUntil && !closing) {
      dropUntil.lastIndex = i;
      const end = dropUntil.exec(html);
      i = end ? end.index + end[0].length : html.length;
      continue;
    }
    if (name === 'a') {
      if (!closing) {
        const href = HREF.exec(html.slice(lt, gt))?.[1];
        link = href && /^(https?:|mailto:)/i.test(href) ? { href: decodeEntities(href), from: out.length } : undefined;
      } else if (link) {
        const label = out.slice(link.from).join('').trim();
        const target = link.href.replace(/^mailto:/i, '');
        if (!label.includes(target)) out.push(` (${link.href})`);
        link = undefined;
      }
      continue;
    }
    // A list item starts its own line; the next item or the list's end closes it.
    if (name === 'li') out.push(closing ? '' : '\n- ');
    else if (BLOCK_ELEMENTS.has(name) || (name === 'tr' && closing)) out.push('\n');
    else if (CELL_ELEMENTS.has(name) && closing) out.push(' ');
  }
  return out
    .join('')
    .split('\n')
    .map((line) => line.replace(/[ \u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Source whitespace collapses to a space, as in a browser; entities decode after, so `&lt;` never becomes markup. */
function textOf(segment: string): string {
  return decodeEntities(segment.replace(/[ \t\r\n\f]+/g, ' '));
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™', hellip: '…',
  mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', bull: '•',
  middot: '·', euro: '€', pound: '£', yen: '¥', cent: '¢', deg: '°', times: '×', zwnj: '', zwj: '', shy: '',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z][a-z0-9]{1,7});/gi, (entity, body: string) => {
    if (body[0] !== '#') return NAMED_ENTITIES[body.toLowerCase()] ?? entity;
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    return valid ? String.fromCodePoint(code) : '\ufffd';
  });
}

/** `Re: <subject> [#<ticketId>]`, without doubling the Re: or the reference. */
export function replySubject(subject: string, ticketId: string): string {
  const base = cleanLine(subject.replace(TICKET_REFS, ' ')).slice(0, 250);
  const reply = /^re\s*[:：]/i.test(base) ? base : `Re: ${base}`;
  return `${reply.trimEnd()} [#${cleanLine(ticketId)}]`;
}

/** A message id fit for a header: printable ASCII, no brackets or spaces, within SES's header limit. */
function headerMessageId(inReplyTo: string | undefined): string | undefined {
  const id = (inReplyTo ?? '').trim().replace(/^<(.*)>$/, '$1');
  // A hashed stand-in names no real message, so there is nothing to thread on.
  if (!id || id.startsWith('sha256:')) return undefined;
  return /^[\x21-\x3b\x3d\x3f-\x7e]{1,900}$/.test(id) ? id : undefined;
}

/**
 * The SES v2 SendEmail input for a reply (Simple content). SES sets its own Message-ID and refuses
 * custom headers it sets itself (From, To, Subject, Date, …), but takes In-Reply-To and References.
 */
export function sesEmailFor(reply: OutboundReply, from: string): SesEmail {
  const inReplyTo = headerMessageId(reply.inReplyTo);
  return {
    FromEmailAddress: from,
    Destination: { ToAddresses: [reply.to] },
    Content: {
      Simple: {
        Subject: { Data: replySubject(reply.subject, reply.ticketId), Charset: 'UTF-8' },
        Body: { Text: { Data: reply.text, Charset: 'UTF-8' } },
        ...(inReplyTo
          ? {
              Headers: [
                { Name: 'In-Reply-To', Value: `<${inReplyTo}>` },
                { Name: 'References', Value: `<${inReplyTo}>` },
              ],
            }
          : {}),
      },
    },
  };
}

const PERMANENT_SES_ERRORS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  'BadRequestException',
  'NotFoundException',
]);
const THROTTLING_SES_ERRORS = new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException', 'Throttling']);

/** How a SendEmail failure ends: SES's refusals are permanent; throttling, server errors and no answer at all are retried. */
export function sesFailure(error: unknown): DeliveryResult {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: { throttling?: unknown };
  };
  const name = typeof e.name === 'string' ? cleanLine(e.name) : '';
  const message = typeof e.message === 'string' ? e.message : typeof error === 'string' ? error : '';
  const reason = cleanLine(`SES ${name || 'request failed'}: ${message || 'no message'}`);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (PERMANENT_SES_ERRORS.has(name)) return permanent(reason);
  if (THROTTLING_SES_ERRORS.has(name) || /throttl/i.test(name) || e.$retryable?.throttling === true) return failure(true, reason);
  if (status !== undefined) return failure(isRetryableStatus(status), reason);
  // No HTTP answer: the network or the SDK failed before SES could say anything.
  return failure(true, reason);
}

export const email: Channel = {
  name: 'email',
  contentTypes: ['message/rfc822'],
  ...signedLikeWeb,

  parse(request, context) {
    return parseEmail(request.rawBody, context);
  },

  acknowledge({ messages, ignored }) {
    return acceptedResponse(messages, { ignored });
  },

  replyAddress: replyAddresses.email,

  async send(reply, context) {
    const from = typeof context.settings.from === 'string' ? context.settings.from.trim() : '';
    if (!from) return permanent('channels.email.from is not configured; set it to an address or domain verified in SES.');
    if (!emailAddress.safeParse(reply.to).success) return permanent('The reply address is not an email address.');
    try {
      const messageId = await context.transport.sendEmail(sesEmailFor(reply, from));
      return { ok: true, providerMessageId: messageId };
    } catch (error) {
      return sesFailure(error);
    }
  },
};
