import type { Ticket } from '../domain/ticket';
import type { CsatScore } from './csat';

/**
 * A customer who answers the satisfaction request on their channel with just a score records it
 * instead of reopening the ticket. Only a lone score counts: "5", "５", "4 thanks!", "5分，很满意".
 * Anything else ("15", "5.5", "1) my parcel…", "5 days later…", a long message, a photo) is a
 * message like any other.
 */

/** The most a comment after the score may hold; longer, the message is a message, not a score. */
export const MAX_REPLY_COMMENT = 100;

const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;
/** Half-width digits for full-width ones (１ → 1), as Chinese and Japanese keyboards type them. */
const halfWidthDigits = (text: string) => text.replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));

/**
 * The score, an optional unit (/5, 分, 星), then the end or a separator and a short comment that does
 * not start with a digit (so "55", "5.5", "5,000" and "5/10" are not scores).
 */
const LONE_SCORE = /^([1-5])(?:\/5|分|星)?(?:$|[\s.,!?:;~\-–—。，！？：；、～…]+(.*)$)/su;

/** Words after a number that make it a quantity ("5 days later it broke", "2 of them"), not a score. */
const QUANTITY = /^(?:days?|hours?|hrs?|minutes?|mins?|weeks?|months?|years?|times?|items?|pieces?|pcs|orders?|parcels?|packages?|boxes|units?|people|persons?|euros?|dollars?|usd|eur|gbp|rmb|yuan|kg|lbs?|km|miles?|of|out|or|and|to|more|x|am|pm)\b/i;

export function scoreFromReply(text: string): { score: CsatScore; comment?: string } | undefined {
  const match = LONE_SCORE.exec(halfWidthDigits(text.trim()));
  if (!match) return undefined;
  const comment = (match[2] ?? '').trim();
  if (/^\d/.test(halfWidthDigits(comment)) || QUANTITY.test(comment) || [...comment].length > MAX_REPLY_COMMENT) return undefined;
  return { score: Number(match[1]) as CsatScore, ...(comment ? { comment } : {}) };
}

export type ReplyDecision =
  /** Record this score instead of reopening. */
  | { readonly kind: 'record'; readonly score: CsatScore; readonly comment?: string }
  /** This very message already recorded the ticket's score (a retry): finish recording it. */
  | { readonly kind: 'recorded' };

/**
 * Whether a customer message on a ticket is the answer to its satisfaction request: the ticket is
 * solved, its request went out with a link (the message came after, before it expired), it has no
 * score yet, and the message is a lone score without attachments. Undefined: place it as usual.
 */
export function decideScoreReply(
  ticket: Pick<Ticket, 'status' | 'csat' | 'csatRequest'>,
  message: { readonly messageId: string; readonly text: string; readonly attachmentCount: number; readonly receivedAt: string },
): ReplyDecision | undefined {
  if (ticket.csat?.messageId === message.messageId) return { kind: 'recorded' };
  const request = ticket.csatRequest;
  if (ticket.status !== 'solved' || ticket.csat || !request?.linkedAt || !request.expiresAt) return undefined;
  if (message.receivedAt < request.linkedAt || message.receivedAt >= request.expiresAt || message.attachmentCount > 0) return undefined;
  const score = scoreFromReply(message.text);
  return score && { kind: 'record', ...score };
}
