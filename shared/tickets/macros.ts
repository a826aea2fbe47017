import * as z from 'zod';
import type { Macro } from '../config';
import type { Ticket } from '../domain/ticket';
import { problems } from '../http/problem';
import type { TicketPatch } from './ticket-update';

/**
 * Macros: canned replies from config `workspace.macros`, in the ticket's language, with their
 * placeholders filled, and the ticket changes they bring. Pure; shared/tickets/macro-reply.ts applies them.
 */

export type { Macro };

/** What a placeholder is filled with when its value is unknown (a customer who never gave a name). */
export const customerNameFallback: Readonly<Record<string, string>> = { en: 'there', zh: '尊敬的客户' };

export interface MacroValues {
  readonly ticketId: string;
  /** The customer's display name, if they have one. */
  readonly customerName?: string;
  /** The replying agent's name, or their id when their profile has none. */
  readonly agentName: string;
}

/** The language of a ticket's texts: exact (zh-TW), then its base language (zh), then en. */
export function macroLanguageFor(texts: Readonly<Record<string, string>>, language: string | undefined): string {
  if (language && Object.hasOwn(texts, language)) return language;
  const base = language?.split('-')[0];
  if (base && Object.hasOwn(texts, base)) return base;
  return 'en';
}

/**
 * The macro's reply for the ticket: its text in the ticket's language with `{customerName}`,
 * `{ticketId}` and `{agentName}` filled in, in one pass, so a value that itself looks like a
 * placeholder (a customer called "{agentName}") is never expanded. Config load rejects any other
 * placeholder; one that slipped through is left as it is.
 */
export function renderMacro(macro: Pick<Macro, 'text'>, language: string | undefined, values: MacroValues): string {
  const chosen = macroLanguageFor(macro.text, language);
  const customerName = values.customerName?.trim() || customerNameFallback[chosen.split('-')[0]] || customerNameFallback.en;
  const filled: Record<string, string> = { ticketId: values.ticketId, customerName, agentName: values.agentName };
  return macro.text[chosen].replace(/\{(customerName|ticketId|agentName)\}/g, (_m, name: string) => filled[name]);
}

/** The macro named in a request: 400 naming `macroId` when config has none by that id. */
export function findMacro(macros: readonly Macro[], macroId: string): Macro {
  const found = macros.find((m) => m.id === macroId);
  if (!found) {
    throw problems.badRequest('There is no such macro.', [{ field: 'macroId', message: `is not a macro; GET /macros lists them (${macros.map((m) => m.id).join(', ') || 'none configured'})` }]);
  }
  return found;
}

/**
 * The PATCH the macro's `set` amounts to on this ticket, or undefined when it sets nothing. Tags
 * are added and removed against the ticket's current ones, so the planner of PATCH
 * /tickets/{id} (planUpdate) decides the rest: the lifecycle, who may, what actually changes.
 */
export function macroPatch(ticket: Pick<Ticket, 'tags'>, macro: Pick<Macro, 'set'>): TicketPatch | undefined {
  const set = macro.set;
  if (!set) return undefined;
  const patch: { status?: TicketPatch['status']; tags?: string[] } = {};
  if (set.status) patch.status = set.status;
  if (set.addTags?.length || set.removeTags?.length) {
    const removed = new Set(set.removeTags ?? []);
    patch.tags = [...new Set([...(ticket.tags ?? []), ...(set.addTags ?? [])])].filter((t) => !removed.has(t));
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** GET /macros: the configured macros, as configured. */
export const macroSchema = z.object({
  id: z.string(),
  title: z.record(z.string(), z.string()),
  text: z.record(z.string(), z.string()),
  set: z
    .object({
      status: z.string().optional(),
      addTags: z.array(z.string()).optional(),
      removeTags: z.array(z.string()).optional(),
    })
    .optional(),
});
export const macroListResponse = z.object({ macros: z.array(macroSchema) });
export type MacroListResponse = z.infer<typeof macroListResponse>;

export const macroList = (macros: readonly Macro[]): MacroListResponse => ({ macros: [...macros] });
