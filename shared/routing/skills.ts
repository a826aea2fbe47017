import { type Agent, SKILL_PATTERN } from './agent';

/**
 * What a ticket requires of the agent who takes it, and who qualifies. A requirement is a skill
 * the agent must list exactly: no partial matches, so an agent's skills say plainly what they take.
 */

export type SkillKind = 'language' | 'category' | 'channel';

export interface SkillRequirementConfig {
  /** Which of the ticket's facts require a matching skill (routing.requireSkills). */
  readonly requireSkills: readonly SkillKind[];
  /** What an escalated ticket requires instead (routing.escalationSkill). */
  readonly escalationSkill: string;
  /** The category of tickets no rule matched (triage.defaultCategory): anyone may take those. */
  readonly defaultCategory: string;
}

export interface TicketFacts {
  readonly language?: string;
  readonly category?: string;
  readonly channel: string;
  /** Sent to the escalation queue: only its skill counts, whatever the ticket's language or category. */
  readonly escalated?: boolean;
}

/**
 * The skills a ticket requires, sorted and distinct. The language keeps its region (zh-TW stays
 * zh-TW, since Traditional-Chinese readers are not every zh agent), in canonical case. A fact that
 * is missing, or is not a valid skill value, requires nothing rather than something no one can have.
 */
export function requiredSkills(ticket: TicketFacts, config: SkillRequirementConfig): string[] {
  if (ticket.escalated) return [config.escalationSkill];
  const wanted = new Set(config.requireSkills);
  const skills: string[] = [];
  if (wanted.has('language') && ticket.language) skills.push(`language:${canonicalLanguage(ticket.language)}`);
  if (wanted.has('category') && ticket.category && ticket.category !== config.defaultCategory) skills.push(`category:${ticket.category}`);
  if (wanted.has('channel')) skills.push(`channel:${ticket.channel}`);
  return distinctSorted(skills.filter((s) => SKILL_PATTERN.test(s)));
}

/** BCP 47 case (zh-tw → zh-TW, zh_hant → zh-Hant), so "zh-tw" from one source meets "zh-TW" from another. */
function canonicalLanguage(code: string): string {
  const tag = code.trim().replace(/_/g, '-');
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? tag;
  } catch {
    return tag;
  }
}

/** The skill queue a ticket waits in: its required skills joined with "+", or "any". */
export function queueName(required: readonly string[]): string {
  return required.length ? distinctSorted(required).join('+') : 'any';
}

/** May take a ticket with these requirements now: online, below capacity, holding every required skill. */
export function isEligible(agent: Agent, required: readonly string[]): boolean {
  return agent.presence === 'online' && agent.activeTickets.length < agent.capacity && hasSkills(agent, required);
}

export const hasSkills = (agent: Pick<Agent, 'skills'>, required: readonly string[]): boolean => required.every((s) => agent.skills.includes(s));

/** Code-unit order, as DynamoDB and every runtime sort alike (not the locale's). */
export const distinctSorted = (values: Iterable<string>): string[] => [...new Set(values)].sort(byCodeUnit);
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
