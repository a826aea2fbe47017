import { priorities, type Priority, type TriageConfig } from '../config';
import type { Sentiment, TextAnalysis } from './analyzer';
import { toSimplified } from './chinese';

export interface TriageInput {
  readonly channel: string;
  /** The customer's text being triaged (the ticket's latest message or messages). */
  readonly text: string;
  readonly analysis: TextAnalysis;
  readonly customerTier?: string;
  /** Customer messages on this ticket within config.repeatContacts.within, this one included. */
  readonly recentMessageCount: number;
}

export interface Triage {
  readonly language: string;
  readonly sentiment?: Sentiment['label'];
  readonly scores?: Sentiment['scores'];
  readonly urgency: Priority;
  readonly category: string;
  /** 'public' when the customer is negative on one of config.publicChannels. */
  readonly risk: readonly string[];
  /** Sorted: urgency:, sentiment:, category:, language:, risk:, triage:pending. */
  readonly tags: readonly string[];
  /** Why the urgency is what it is, for the audit trail; never quotes the text. */
  readonly reasons: readonly string[];
  /** The analyzer was unavailable: defaults apply until the text is triaged again. */
  readonly pending?: true;
}

/**
 * A message's urgency and category. Urgency starts from sentiment, then a keyword rule sets a
 * floor and each raise (public channel, customer tier, repeat contacts) adds levels, up to
 * critical. Every step is monotone, so more negativity or another raise never lowers urgency.
 */
export function triage(input: TriageInput, config: TriageConfig): Triage {
  return decide(input, config, input.analysis.unsupportedLanguage ? 'language not supported' : 'sentiment not scored');
}

/**
 * The triage of a message the analyzer could not look at (Comprehend unavailable): no sentiment,
 * so urgency is normal, unless the text is given and a keyword rule applies, since those need no
 * analyzer. Tagged triage:pending until the message is triaged again.
 */
export function pendingTriage(channel: string, config: TriageConfig, language: string = config.defaultLanguage, text = ''): Triage {
  const decided = decide({ channel, text, analysis: { id: 'pending', language, languageSource: 'default' }, recentMessageCount: 0 }, config, 'analyzer unavailable');
  return { ...decided, tags: [...decided.tags, 'triage:pending'].sort(), pending: true };
}

function decide(input: TriageInput, config: TriageConfig, unscored: string): Triage {
  const { sentiment, language } = input.analysis;
  const text = normalize(input.text);
  const reasons: string[] = [];
  const risk: string[] = [];

  const base = sentiment ? fromSentiment(sentiment.scores, config.sentiment) : { urgency: 'normal' as const, reason: unscored };
  let urgency: Priority = base.urgency;
  if (base.reason) reasons.push(base.reason);
  const floor = config.keywords
    .filter((rule) => rule.phrases.some((phrase) => matchesNormalized(text, phrase)))
    .reduce<Priority | undefined>((max, rule) => higher(max, rule.urgency), undefined);
  if (floor) {
    urgency = higher(urgency, floor);
    reasons.push(`keyword rule → ${floor}`);
  }
  if (config.publicChannels.includes(input.channel) && (sentiment?.label === 'NEGATIVE' || sentiment?.label === 'MIXED')) {
    urgency = raise(urgency, 1);
    risk.push('public');
    reasons.push('public channel +1');
  }
  const tierLevels = input.customerTier !== undefined && Object.hasOwn(config.tiers, input.customerTier) ? config.tiers[input.customerTier]! : 0;
  if (tierLevels > 0) {
    urgency = raise(urgency, tierLevels);
    reasons.push(`tier ${input.customerTier} +${tierLevels}`);
  }
  if (input.recentMessageCount >= config.repeatContacts.count) {
    urgency = raise(urgency, 1);
    reasons.push(`${input.recentMessageCount} messages in ${config.repeatContacts.within} +1`);
  }

  const category = categorizeNormalized(text, config);
  const sentimentTag = sentiment ? sentiment.label.toLowerCase() : input.analysis.unsupportedLanguage ? 'unsupported-language' : undefined;
  const tags = [`urgency:${urgency}`, `category:${category}`, `language:${language}`, ...(sentimentTag ? [`sentiment:${sentimentTag}`] : []), ...risk.map((r) => `risk:${r}`)].sort();
  return { language, ...(sentiment && { sentiment: sentiment.label, scores: sentiment.scores }), urgency, category, risk, tags, reasons };
}

/** Urgency from sentiment alone, and why when it is not normal. */
function fromSentiment(scores: Sentiment['scores'], thresholds: TriageConfig['sentiment']): { urgency: Priority; reason?: string } {
  if (scores.negative >= thresholds.critical) return { urgency: 'critical', reason: `negative ${score(scores.negative)} ≥ ${thresholds.critical}` };
  if (scores.negative >= thresholds.high) return { urgency: 'high', reason: `negative ${score(scores.negative)} ≥ ${thresholds.high}` };
  if (scores.positive >= thresholds.low) return { urgency: 'low', reason: `positive ${score(scores.positive)} ≥ ${thresholds.low}` };
  return { urgency: 'normal' };
}

/** The category with the most matching phrases; ties go to the earlier one, no match to the default category. */
export function categorize(text: string, config: TriageConfig): string {
  return categorizeNormalized(normalize(text), config);
}

function categorizeNormalized(text: string, config: TriageConfig): string {
  let best = { name: config.defaultCategory, matches: 0 };
  for (const { name, phrases } of config.categories) {
    const matches = phrases.filter((phrase) => matchesNormalized(text, phrase)).length;
    if (matches > best.matches) best = { name, matches };
  }
  return best.name;
}

/**
 * Whether the text contains the phrase, ignoring case, width and traditional/simplified Chinese
 * forms. Phrases match as whole words, so "bill" is not found in "billion" nor "sue" in "issue";
 * but Chinese, Japanese and Korean characters match anywhere (no spaces separate their words),
 * and count as a word boundary next to a Latin phrase (打12315投诉).
 */
export function matchesPhrase(text: string, phrase: string): boolean {
  return matchesNormalized(normalize(text), phrase);
}

const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const letterOrDigit = /[\p{L}\p{N}\p{M}]/u;
/** Letters and digits that continue a word; CJK characters never do. */
const isWordChar = (char: string | undefined): boolean => char !== undefined && letterOrDigit.test(char) && !cjk.test(char);

function normalize(text: string): string {
  return toSimplified(text.normalize('NFKC').toLowerCase()).replace(/[‘’]/gu, "'").replace(/\s+/gu, ' ');
}

function matchesNormalized(text: string, rawPhrase: string): boolean {
  const phrase = normalize(rawPhrase).trim();
  if (phrase === '') return false;
  const chars = [...phrase];
  const [wordAtStart, wordAtEnd] = [isWordChar(chars[0]), isWordChar(chars.at(-1))];
  for (let at = text.indexOf(phrase); at !== -1; at = text.indexOf(phrase, at + 1)) {
    const before = [...text.slice(Math.max(0, at - 2), at)].at(-1);
    const after = [...text.slice(at + phrase.length, at + phrase.length + 2)][0];
    if (!(wordAtStart && isWordChar(before)) && !(wordAtEnd && isWordChar(after))) return true;
  }
  return false;
}

const rank = (priority: Priority): number => priorities.indexOf(priority);
const raise = (priority: Priority, levels: number): Priority => priorities[Math.min(priorities.length - 1, rank(priority) + levels)]!;
const higher = (a: Priority | undefined, b: Priority): Priority => (a !== undefined && rank(a) > rank(b) ? a : b);
/** Two decimals, rounded down so a shown score never exceeds the real one. */
const score = (value: number): string => (Math.floor(value * 100 + 1e-9) / 100).toFixed(2);
