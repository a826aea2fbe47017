import { createHash, randomBytes } from 'node:crypto';
import type { Change, Ticket } from '../domain/ticket';

/**
 * Customer satisfaction: when a ticket is solved the customer is asked for a score from 1 to 5,
 * once per ticket, and answers by the request's link or by replying with the number. Decisions
 * only; shared/csat/record.ts does the I/O through its ports.
 */

export const csatScores = [1, 2, 3, 4, 5] as const;
export type CsatScore = (typeof csatScores)[number];

/** The score on the ticket: one per ticket, recorded by a `ticket.csat` change. */
export interface TicketCsat {
  readonly score: CsatScore;
  readonly comment?: string;
  readonly at: string;
  /** `link`: POST /csat/{token}; `reply`: the customer answered the request on their channel with the number. */
  readonly via: 'link' | 'reply';
  /** Who the score is for: the ticket's assignee when it was solved. */
  readonly agentId?: string;
  /** For a reply, the message that carried it. */
  readonly messageId?: string;
}

/** The ticket's current satisfaction request. A newer one (solved again, still unscored) replaces it, and with it the older link. */
export interface CsatRequestState {
  /** The notification that carries it (on the ticket's timeline). */
  readonly replyId: string;
  readonly requestedAt: string;
  readonly channel: string;
  /** False when the channel cannot carry text to the customer (a call, a web form): recorded on the timeline only. */
  readonly sent: boolean;
  readonly agentId?: string;
  /** Set when a link was made for it, right before it was sent; a reply with a score counts from then until `expiresAt`. */
  readonly linkedAt?: string;
  readonly expiresAt?: string;
}

/** A link's stored half: the SHA-256 of its token, never the token. */
export interface CsatToken {
  readonly tokenHash: string;
  readonly ticketId: string;
  readonly customerId: string;
  readonly agentId?: string;
  readonly replyId: string;
  readonly expiresAt: string;
}

/** A score as the customer's: an item on their byParent partition, one per ticket. */
export interface CustomerCsat {
  readonly ticketId: string;
  readonly customerId: string;
  readonly score: CsatScore;
  readonly comment?: string;
  readonly at: string;
  readonly via: TicketCsat['via'];
  readonly agentId?: string;
}

/** Where the link goes in a request's text; filled in only as it is sent, so the token is never stored. */
export const LINK_PLACEHOLDER = '{link}';

/** 32 random bytes (256 bits), base64url: 43 characters. */
export const newToken = (random: (size: number) => Buffer = randomBytes): string => random(32).toString('base64url');
export const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The link for a token: `<base>/csat/<token>`, whether or not the base ends with a slash. */
export const linkFor = (base: string, token: string): string => `${base.replace(/\/+$/, '')}/csat/${token}`;

/** The request's template for a ticket's language: the exact one, its base language's (zh-TW → zh), English, or the first there is. */
export function csatTemplate(templates: Readonly<Record<string, string>>, language: string | undefined): string {
  const has = (code: string | undefined): code is string => code !== undefined && Object.hasOwn(templates, code);
  const base = language?.split('-')[0];
  if (has(language)) return templates[language];
  if (has(base)) return templates[base];
  if (has('en')) return templates.en;
  return Object.values(templates)[0]!;
}

/** The request's text as stored: the ticket id filled in, the link left as its placeholder. */
export const csatRequestText = (template: string, ticketId: string): string => template.replaceAll('{ticketId}', ticketId);

/** A solved ticket is asked unless it was scored: a ticket solved again after a score is not asked twice. */
export const shouldRequest = (ticket: Pick<Ticket, 'status' | 'csat'>): boolean => ticket.status === 'solved' && !ticket.csat;

export type LinkDecision = 'unknown' | 'scored' | 'record';

/**
 * What a link's score does: `unknown` (no such token, expired, or replaced by a newer request:
 * all one 404, so nothing is told apart), `scored` already (409), or `record` it.
 */
export function decideLink(token: CsatToken | undefined, ticket: Pick<Ticket, 'ticketId' | 'csat' | 'csatRequest'> | undefined, now: string): LinkDecision {
  if (!token || token.expiresAt <= now || !ticket || ticket.ticketId !== token.ticketId) return 'unknown';
  if (ticket.csatRequest?.replyId !== token.replyId) return 'unknown';
  return ticket.csat ? 'scored' : 'record';
}

/** The versioned change that records a score on its ticket. The comment stays on the ticket only, out of the audit trail, so erasing it is one field. */
export function csatChange(ticket: Pick<Ticket, 'version' | 'customerId'>, csat: TicketCsat): Change {
  const { score, via } = csat;
  return {
    version: ticket.version + 1,
    action: 'ticket.csat',
    actor: { type: 'customer', id: ticket.customerId },
    at: csat.at,
    ...(csat.messageId ? { cause: csat.messageId } : {}),
    before: {},
    after: { csat: { score, via, commented: csat.comment !== undefined } },
  };
}

/** The score as the customer's item. */
export const customerCsatOf = (ticket: Pick<Ticket, 'ticketId' | 'customerId'>, csat: TicketCsat): CustomerCsat => ({
  ticketId: ticket.ticketId,
  customerId: ticket.customerId,
  score: csat.score,
  ...(csat.comment !== undefined ? { comment: csat.comment } : {}),
  at: csat.at,
  via: csat.via,
  ...(csat.agentId ? { agentId: csat.agentId } : {}),
});

/** An agent's scores, as GET /agents shows them. */
export interface AgentCsat {
  readonly count: number;
  /** Mean score, two decimals. */
  readonly average: number;
  readonly scores: Readonly<Record<`${CsatScore}`, number>>;
}

/** The agent item's counters (ADDed once per scored ticket). */
export const agentCsatAttributes = {
  count: 'csatCount',
  total: 'csatTotal',
  score: (s: CsatScore) => `csatScore${s}`,
  /** Recently counted `<at>|<ticketId>` entries: what makes counting a ticket twice impossible. */
  counted: 'csatCounted',
} as const;

export function agentCsatOf(item: Readonly<Record<string, unknown>>): AgentCsat | undefined {
  const count = Number(item[agentCsatAttributes.count] ?? 0);
  if (!(count > 0)) return undefined;
  const total = Number(item[agentCsatAttributes.total] ?? 0);
  const scores = Object.fromEntries(csatScores.map((s) => [String(s), Number(item[agentCsatAttributes.score(s)] ?? 0)])) as Record<`${CsatScore}`, number>;
  return { count, average: Math.round((total / count) * 100) / 100, scores };
}

/** The agent item without its satisfaction counters, which agentCsatOf summarizes. */
export function withoutAgentCsat<T extends Readonly<Record<string, unknown>>>(item: T): T {
  const copy: Record<string, unknown> = { ...item };
  for (const name of [agentCsatAttributes.count, agentCsatAttributes.total, agentCsatAttributes.counted, ...csatScores.map(agentCsatAttributes.score)]) delete copy[name];
  return copy as T;
}

/** How long an agent's counted entries are kept: far longer than any retry of the score's recording takes. */
export const COUNTED_RETENTION_MS = 24 * 3600 * 1000;

/** The entry that marks a ticket's score as counted for its agent. */
export const countedEntry = (at: string, ticketId: string): string => `${at}|${ticketId}`;

/** Entries older than the retention, to prune; the rest stay. */
export const staleEntries = (entries: Iterable<string>, now: Date): string[] => {
  const cutoff = new Date(now.getTime() - COUNTED_RETENTION_MS).toISOString();
  return [...entries].filter((e) => e.split('|', 1)[0]! < cutoff);
};
