import { toSimplified } from '../triage/chinese';

/**
 * Customer names as the name search compares them, and where a name's search entry lives. Pure, and
 * free of zod and the SDK, so ingest (which writes the entry of a new customer) loads little.
 */

/** Combining marks that are accents on Latin, Greek and Cyrillic letters; kana voicing marks are not among them. */
const ACCENTS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
/** Letters that are not a base letter plus an accent, folded by hand. */
const FOLDS: Readonly<Record<string, string>> = { ß: 'ss', ø: 'o', đ: 'd', ð: 'd', ł: 'l', æ: 'ae', œ: 'oe', þ: 'th', ı: 'i' };
/** Scripts whose names are written without spaces and often one or two characters long. */
const CJK = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * A name folded for comparison: compatibility forms unfolded (full-width letters), accents dropped,
 * lower case, the listed traditional Chinese characters simplified, punctuation and symbols made
 * spaces, runs of spaces one. "José Núñez", "JOSE NUNEZ" and "Jose-Nunez" all become "jose nunez";
 * "陳美玲" and "陈美玲" the same.
 */
export function normalizeName(name: string): string {
  const unaccented = name.normalize('NFKD').toLowerCase().replace(ACCENTS, '');
  let folded = '';
  for (const char of unaccented) folded += FOLDS[char] ?? char;
  return toSimplified(folded)
    .replace(/[\p{P}\p{S}\p{C}]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    // Hangul syllables and kana with voicing marks, split apart above, are put back together.
    .normalize('NFC');
}

/** How many leading characters of a normalized name choose its search partition: one for CJK names, two otherwise. */
export const partitionLength = (normalized: string): number => (CJK.test(normalized) ? 1 : 2);

/**
 * The search partition of a normalized name (or of a search prefix): its first one (CJK) or two
 * characters. Undefined when it is shorter than that: such a prefix cannot be searched.
 */
export function namePartition(normalized: string): string | undefined {
  const chars = [...normalized];
  const length = partitionLength(normalized);
  return chars.length >= length ? chars.slice(0, length).join('') : undefined;
}

/** What a customer's name-search entry is filed under, or undefined when the name has nothing searchable. */
export function nameEntryOf(displayName: string | undefined): { partition: string; normalized: string } | undefined {
  if (!displayName) return undefined;
  const normalized = normalizeName(displayName);
  const partition = namePartition(normalized);
  return partition ? { partition, normalized } : undefined;
}
