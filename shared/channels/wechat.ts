import { createHash } from 'node:crypto';
import type { XMLParser } from 'fast-xml-parser';
import * as z from 'zod';
import type { AttachmentRef, InboundMessage } from '../../events/inbound-message';
import { fieldErrors, HttpProblem, problems } from '../http/problem';
import { type Channel, type ChannelContext, type ChannelSecrets, type DeliveryResult, isRetryableStatus, type ParseContext, type Transport, type WebhookRequest } from './channel';
import { replyAddresses } from './reply-addresses';
import { clamp, failure, ignoredKind, permanent, redact, sentAtFromUnix, tryJson } from './common';
import { safeEqual } from './signatures';

/**
 * A WeChat Official Account in plaintext mode. WeChat signs every callback (the URL check GET and
 * each message POST) in the query string: `signature` is the hex SHA-1 of the sorted concatenation
 * of the server token, `timestamp` and `nonce`. Messages arrive as XML; WeChat wants an answer
 * within 5 seconds and takes `success` as "received, no passive reply".
 *
 * Replies go through the customer-service message API, allowed within 48 hours of the customer's
 * last message, with a stable access token (`cgi-bin/stable_token`) cached per AppID.
 */

/** WeChat's limit for a customer-service text message, in UTF-8 bytes. */
export const WECHAT_MAX_TEXT_BYTES = 2048;

const LIMITS = { text: 65_536, providerMessageId: 256, replyTo: 512, rawRef: 1024 } as const;

export const STABLE_TOKEN_URL = 'https://api.weixin.qq.com/cgi-bin/stable_token';

/** Renew a cached access token this long before WeChat says it expires. */
const TOKEN_MARGIN_SECONDS = 300;

const TOKEN_REJECTED = new Set([40001, 40014, 42001]);

/** WeChat's errcodes for customer-service sends, in plain words for the agent. */
const SEND_ERRORS: Readonly<Record<number, { readonly retryable: boolean; readonly reason: string }>> = {
  [-1]: { retryable: true, reason: 'WeChat is busy; trying again shortly.' },
  45011: { retryable: true, reason: 'the API\'s per-minute quota is used up; trying again shortly.' },
  45015: { retryable: false, reason: 'the customer has not written in the last 48 hours (or unfollowed), so WeChat refuses customer-service messages until they write again.' },
  45047: { retryable: false, reason: 'the customer-service message quota for this customer is used up until they write again.' },
  43004: { retryable: false, reason: 'the customer does not follow the Official Account.' },
  40003: { retryable: false, reason: 'the openid is not a follower of this Official Account.' },
  45002: { retryable: false, reason: 'the text is too long for WeChat.' },
  45009: { retryable: false, reason: 'the API\'s daily quota is used up.' },
  48001: { retryable: false, reason: 'the Official Account is not allowed to use the customer-service message API.' },
};

/** WeChat's errcodes for the access token request. */
const TOKEN_ERRORS: Readonly<Record<number, { readonly retryable: boolean; readonly reason: string }>> = {
  [-1]: { retryable: true, reason: 'WeChat is busy; trying again shortly.' },
  40001: { retryable: false, reason: 'the AppSecret was rejected; check the channel\'s appSecret.' },
  40125: { retryable: false, reason: 'the AppSecret was rejected; check the channel\'s appSecret.' },
  40013: { retryable: false, reason: 'the AppID is not valid; check the channel\'s appId.' },
  40164: { retryable: false, reason: 'this server\'s IP address is not on the Official Account\'s IP whitelist.' },
  61004: { retryable: false, reason: 'this server\'s IP address is not on the Official Account\'s IP whitelist.' },
  45009: { retryable: false, reason: 'the access token daily quota is used up.' },
};

/** The query string WeChat signs a callback with; for tests and local mode's example requests. */
export function signWeChatQuery(token: string, timestamp: number | string, nonce: string): Record<string, string> {
  return { signature: weChatSignature(token, String(timestamp), nonce), timestamp: String(timestamp), nonce };
}

function weChatSignature(token: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
}

/** The signature and freshness check shared by the URL check and every message. */
function verifyQuery(request: WebhookRequest, context: ChannelContext): void {
  const token = context.secrets.token;
  if (!token) throw problems.unauthorized('The WeChat channel has no server token to verify requests with.');
  const { signature, timestamp, nonce } = request.query;
  if (!signature || !timestamp || nonce === undefined) {
    throw problems.unauthorized('Sign the request: WeChat sends signature, timestamp and nonce in the query string.');
  }
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (Number.isNaN(seconds) || Math.abs(context.now.getTime() / 1000 - seconds) > context.maxClockSkewSeconds) {
    throw problems.unauthorized(`The timestamp is missing, malformed or more than ${context.maxClockSkewSeconds} seconds from now.`);
  }
  if (!safeEqual(signature.toLowerCase(), weChatSignature(token, timestamp, nonce))) {
    throw problems.unauthorized('The signature does not match the timestamp and nonce for this channel\'s token.');
  }
}

/**
 * The XML parser, loaded on the first WeChat message: the webhook function serves every channel,
 * and the others should not pay for it at cold start.
 */
let xmlLibrary: Promise<{ parser: XMLParser; validate: typeof import('fast-xml-parser').XMLValidator.validate }> | undefined;
const xmlLib = () =>
  (xmlLibrary ??= import('fast-xml-parser').then(({ XMLParser, XMLValidator }) => ({ parser: new XMLParser(xmlOptions), validate: (x: string) => XMLValidator.validate(x) })));

const xmlOptions = {
  ignoreAttributes: true,
  // Every value stays a string: a 64-bit MsgId would lose digits as a number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 8,
};

const text = z.string();
const id = z.string().min(1).max(512);

/** Fields each MsgType must carry (plus MsgId for everything but events). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  text: ['Content'],
  image: ['MediaId'],
  voice: ['MediaId'],
  video: ['MediaId'],
  shortvideo: ['MediaId'],
  location: ['Location_X', 'Location_Y'],
  link: ['Url'],
  event: ['Event'],
};

const wechatXml = z
  .object({
    ToUserName: z.string().min(1).max(128),
    FromUserName: z.string().min(1).max(200),
    CreateTime: z.string().optional(),
    MsgType: z.string().min(1).max(64),
    MsgId: z.string().min(1).max(LIMITS.providerMessageId).optional(),
    Content: text.optional(),
    PicUrl: z.string().max(2048).optional(),
    MediaId: id.optional(),
    Format: z.string().max(32).optional(),
    Recognition: text.optional(),
    ThumbMediaId: z.string().max(512).optional(),
    Location_X: z.string().max(32).optional(),
    Location_Y: z.string().max(32).optional(),
    Label: text.optional(),
    Title: text.optional(),
    Description: text.optional(),
    Url: text.optional(),
    Event: z.string().max(64).optional(),
  })
  .superRefine((x, ctx) => {
    const known = Object.hasOwn(REQUIRED, x.MsgType);
    const fields = known ? [...REQUIRED[x.MsgType]!, ...(x.MsgType === 'event' ? [] : ['MsgId'])] : [];
    for (const field of fields) {
      if ((x as Record<string, unknown>)[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `a ${x.MsgType} message needs ${field}` });
    }
  });
type WeChatXml = z.infer<typeof wechatXml>;

const tokenAnswer = z.object({ access_token: z.string().min(1).max(1024), expires_in: z.number().int().positive().max(86_400).optional() });
const errAnswer = z.object({ errcode: z.number().int(), errmsg: z.string().optional() });

export const wechat: Channel = {
  name: 'wechat',
  contentTypes: ['text/xml', 'application/xml'],
  secretFields: ['token', 'appId', 'appSecret'],

  // WeChat documents no answer for a failed check (it only compares the echo), so the house 401.
  verify: verifyQuery,

  handshake(request, context) {
    verifyQuery(request, context);
    const echostr = request.query.echostr;
    // Echoed verbatim, so only a short token-like value: never markup.
    if (!echostr || !/^[A-Za-z0-9]{1,128}$/.test(echostr)) {
      throw problems.badRequest('The echostr is missing or not a short token.', [{ field: 'echostr', message: 'must be 1 to 128 letters or digits' }]);
    }
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: echostr };
  },

  async parse(request, context) {
    const library = await xmlLib();
    try {
      return parseXml(library, request.rawBody.toString('utf8'), context);
    } catch (error) {
      if (error instanceof HttpProblem) throw error;
      throw problems.badRequest('The WeChat message could not be read.');
    }
  },

  acknowledge() {
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'success' };
  },

  replyAddress: replyAddresses.wechat,

  async send(reply, { secrets, transport }) {
    const openid = reply.to.trim();
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(openid)) return permanent(`"${clamp(openid, 64)}" is not a WeChat openid.`);
    if (reply.text.trim().length === 0) return permanent('The reply has no text to send.');
    const bytes = Buffer.byteLength(reply.text, 'utf8');
    // One message or none: parts would each use up the customer's small customer-service quota.
    if (bytes > WECHAT_MAX_TEXT_BYTES) return permanent(`The reply is ${bytes} bytes; WeChat accepts at most ${WECHAT_MAX_TEXT_BYTES} (about 680 Chinese characters). Shorten it and send again.`);
    const { appId, appSecret } = secrets;
    if (!appId || !appSecret) return permanent('The WeChat channel has no AppID or AppSecret.');

    const token = await accessToken(appId, appSecret, transport, secrets);
    if (!token.ok) return token.result;
    let response;
    try {
      response = await transport.http({
        method: 'POST',
        url: `https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=${encodeURIComponent(token.token)}`,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ touser: openid, msgtype: 'text', text: { content: reply.text } }),
      });
    } catch (error) {
      return failure(true, redact(`WeChat could not be reached: ${(error as Error)?.message ?? 'network error'}`, secrets, token.token));
    }
    if (response.status < 200 || response.status >= 300) return failure(isRetryableStatus(response.status), `WeChat HTTP ${response.status}`);
    // WeChat answers 200 for errors too: the errcode says what happened.
    const answer = errAnswer.safeParse(tryJson(response.body));
    if (!answer.success) return failure(true, 'WeChat sent an answer that could not be read.');
    const { errcode, errmsg } = answer.data;
    if (errcode === 0) return { ok: true, providerMessageId: `wechat:${reply.replyId}` };
    if (TOKEN_REJECTED.has(errcode)) {
      forgetToken(appId, token.token);
      return failure(true, `WeChat ${errcode}: the access token was rejected; a new one will be used.`);
    }
    const known = SEND_ERRORS[errcode];
    return failure(known?.retryable ?? false, redact(`WeChat ${errcode}: ${known?.reason ?? errmsg ?? 'no error message'}`, secrets, token.token));
  },
};

function parseXml(library: Awaited<ReturnType<typeof xmlLib>>, xml: string, context: ParseContext) {
  // No DTDs at all: entity definitions are the XML bombs and external-entity tricks.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw problems.badRequest('The XML must not declare a DOCTYPE or entities.');
  const valid = library.validate(xml);
  if (valid !== true) throw problems.badRequest(`The body is not well-formed XML: ${clamp(valid.err.msg, 200)}`, [{ field: 'xml', message: `line ${valid.err.line}: ${clamp(valid.err.msg, 200)}` }]);
  const root = (library.parser.parse(xml) as Record<string, unknown>).xml;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw problems.badRequest('The body must be a WeChat <xml> message.', [{ field: 'xml', message: 'must be the root element, with child elements' }]);
  if ('Encrypt' in root && !('MsgType' in root)) throw problems.badRequest('The message is encrypted; set the Official Account\'s message encryption to plaintext mode.', [{ field: 'Encrypt', message: 'safe mode is not supported' }]);
  const result = wechatXml.safeParse(root);
  if (!result.success) throw problems.badRequest('The message does not match the WeChat format.', fieldErrors(result.error.issues));
  const x = result.data;
  if (x.MsgType === 'event') return { messages: [], ignored: [ignoredKind('event', x.Event!)] };
  const content = contentOf(x);
  if (!content) return { messages: [], ignored: [ignoredKind('message', x.MsgType)] };
  return { messages: [canonical(x, content, context)], ignored: [] };
}

interface Content {
  readonly text: string;
  readonly attachments: AttachmentRef[];
}

function contentOf(x: WeChatXml): Content | undefined {
  switch (x.MsgType) {
    case 'text':
      return { text: x.Content!, attachments: [] };
    case 'image':
      return { text: '', attachments: [{ mediaId: x.MediaId!, ...(isHttps(x.PicUrl) ? { url: x.PicUrl } : {}) }] };
    case 'voice':
      // With speech recognition on, WeChat sends the transcript: the only text an agent can read.
      return { text: x.Recognition ?? '', attachments: [{ mediaId: x.MediaId!, ...voiceType(x.Format) }] };
    case 'video':
    case 'shortvideo':
      return { text: '', attachments: [{ mediaId: x.MediaId! }] };
    case 'location': {
      const label = x.Label?.trim();
      return { text: `Location: ${label ? `${label} ` : ''}(${x.Location_X}, ${x.Location_Y})`, attachments: [] };
    }
    case 'link':
      return { text: [x.Title, x.Description, x.Url].filter((p) => p && p.trim()).join('\n'), attachments: [] };
    default:
      return undefined;
  }
}

function canonical(x: WeChatXml, content: Content, context: ParseContext): InboundMessage {
  const id = x.MsgId!;
  return {
    schemaVersion: 1,
    channel: 'wechat',
    providerMessageId: id,
    customer: { handles: [{ kind: 'channel-user', value: `wechat:${x.FromUserName}` }] },
    text: clamp(content.text, LIMITS.text),
    attachments: content.attachments,
    sentAt: sentAtFromUnix(x.CreateTime, context.receivedAt),
    receivedAt: context.receivedAt,
    rawRef: clamp(`wechat:${id}`, LIMITS.rawRef),
    replyTo: clamp(x.FromUserName, LIMITS.replyTo),
  };
}

function voiceType(format: string | undefined): { contentType?: string } {
  const f = format?.toLowerCase();
  return f && /^[a-z0-9]{1,16}$/.test(f) ? { contentType: `audio/${f}` } : {};
}

const httpsUrl = z.url({ protocol: /^https$/ }).max(2048);

/** WeChat's PicUrl is often plain http, which the contract (and an agent's browser) should not get. */
function isHttps(url: string | undefined): url is string {
  return url !== undefined && httpsUrl.safeParse(url).success;
}

interface CachedToken {
  readonly token: string;
  readonly renewAt: number;
}

type TokenOutcome = { readonly ok: true; readonly token: string } | { readonly ok: false; readonly result: DeliveryResult };

/** Access tokens per AppID, shared by the sends of one warm function instance. */
const tokens = new Map<string, CachedToken>();
/** Token requests under way, so concurrent sends share one instead of invalidating each other's. */
const pending = new Map<string, Promise<TokenOutcome>>();

/** Forgets every cached access token; for tests. */
export function resetWeChatTokens(): void {
  tokens.clear();
  pending.clear();
}

async function accessToken(appId: string, appSecret: string, transport: Transport, secrets: ChannelSecrets): Promise<TokenOutcome> {
  const cached = tokens.get(appId);
  if (cached && Date.now() < cached.renewAt) return { ok: true, token: cached.token };
  const underway = pending.get(appId);
  if (underway) return underway;
  const request = requestToken(appId, appSecret, transport, secrets).finally(() => pending.delete(appId));
  pending.set(appId, request);
  return request;
}

async function requestToken(appId: string, appSecret: string, transport: Transport, secrets: ChannelSecrets): Promise<TokenOutcome> {
  const failed = (retryable: boolean, reason: string): TokenOutcome => ({ ok: false, result: failure(retryable, redact(reason, secrets)) });
  let response;
  try {
    // The stable token: each delivery function instance asks for one, and in normal mode asking
    // again returns the same token instead of voiding the others' (as cgi-bin/token does).
    response = await transport.http({
      method: 'POST',
      url: STABLE_TOKEN_URL,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: false }),
    });
  } catch (error) {
    return failed(true, `WeChat could not be reached for an access token: ${(error as Error)?.message ?? 'network error'}`);
  }
  if (response.status < 200 || response.status >= 300) return failed(isRetryableStatus(response.status), `WeChat access token: HTTP ${response.status}`);
  const json = tryJson(response.body);
  const granted = tokenAnswer.safeParse(json);
  if (granted.success) {
    const lifetime = granted.data.expires_in ?? 7200;
    const renewIn = Math.max(lifetime - TOKEN_MARGIN_SECONDS, lifetime / 2);
    tokens.set(appId, { token: granted.data.access_token, renewAt: Date.now() + renewIn * 1000 });
    return { ok: true, token: granted.data.access_token };
  }
  const refused = errAnswer.safeParse(json);
  if (!refused.success) return failed(true, 'WeChat sent an access token answer that could not be read.');
  const { errcode, errmsg } = refused.data;
  const known = TOKEN_ERRORS[errcode];
  return failed(known?.retryable ?? false, `WeChat ${errcode} (access token): ${known?.reason ?? errmsg ?? 'no error message'}`);
}

/** Drops a token WeChat rejected, unless another send already replaced it. */
function forgetToken(appId: string, token: string): void {
  if (tokens.get(appId)?.token === token) tokens.delete(appId);
}
