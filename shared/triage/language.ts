import type * as Tinyld from 'tinyld';
import { mostlyTraditional } from './chinese';

let tinyld: typeof Tinyld | undefined;
/** tinyld and its language profiles (about 600 KB) load with the first Latin-script text, not with the function. */
function detectAll(text: string): ReturnType<typeof Tinyld.detectAll> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  tinyld ??= require('tinyld') as typeof Tinyld;
  return tinyld.detectAll(text);
}

/** Comprehend's DetectDominantLanguage wants at least this many characters; shorter texts get the default language. */
export const MIN_DETECTABLE_CHARS = 20;

/**
 * tinyld's accuracy is the share of the text it attributes to a language, and words it knows to
 * be unique to a language count in full, so from 0.5 on, most of the text carries such words. On
 * support messages in en/es/fr/de/pt/it (test/unit/triage/language.test.ts) nothing at or above
 * 0.5 was wrong, while mixed or wordless texts ("lol lol…", half Spanish half English) scored at
 * most about 0.33. Below it Comprehend decides: a wrong language costs more than one more call.
 */
export const LOCAL_CONFIDENCE = 0.5;

export type LanguageGuess =
  | { readonly source: 'script' | 'local' | 'default'; readonly language: string }
  /** likely: tinyld's unconfident guess for scripts other than Latin, where it is usually right (Latin guesses are not). */
  | { readonly source: 'undecided'; readonly likely?: string };

/** A Han, kana or Hangul character carries about what three Latin letters do (a Chinese word is 1–2 characters, an English one about 5 letters). */
const BLOCK_WEIGHT = 3;
/** Letters Persian and Urdu add to the Arabic script: such text is not Arabic, so Comprehend decides. */
const persianOrUrdu = /[\u067E\u0686\u0698\u06A9\u06AF\u06CC\u0679\u0688\u0691\u06BA\u06C1\u06D2]/u;

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

type Script = 'chinese-japanese' | 'hangul' | 'arabic' | 'devanagari' | 'latin' | 'other';

/** The writing system most of the text is in, each character weighted by what it carries; undefined when there are no letters. */
function dominantScript(text: string): Script | undefined {
  const tallies: [Script, number][] = [
    ['chinese-japanese', BLOCK_WEIGHT * count(text, /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu)],
    ['hangul', BLOCK_WEIGHT * count(text, /\p{Script=Hangul}/gu)],
    ['arabic', count(text, /\p{Script=Arabic}/gu)],
    ['devanagari', count(text, /\p{Script=Devanagari}/gu)],
    ['latin', count(text, /\p{Script=Latin}/gu)],
    ['other', count(text, /(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Arabic}\p{Script=Devanagari}\p{Script=Latin}])\p{L}/gu)],
  ];
  const [script, weight] = tallies.reduce((best, tally) => (tally[1] > best[1] ? tally : best));
  return weight > 0 ? script : undefined;
}

/**
 * The language of a text when it can be told locally: from an unambiguous script, or from
 * tinyld for confident Latin-script text. Undecided texts are Comprehend's to detect.
 * Han without kana is Chinese, zh-TW when traditional forms outnumber simplified ones among
 * common characters that differ (Taiwan and Hong Kong both write traditional). Devanagari is
 * taken for Hindi, the one language written in it that Comprehend scores.
 */
export function detectLanguage(text: string, defaultLanguage: string): LanguageGuess {
  switch (dominantScript(text)) {
    case undefined:
      return { source: 'default', language: defaultLanguage };
    case 'chinese-japanese':
      if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) return { source: 'script', language: 'ja' };
      return { source: 'script', language: mostlyTraditional(text) ? 'zh-TW' : 'zh' };
    case 'hangul':
      return { source: 'script', language: 'ko' };
    case 'arabic':
      return persianOrUrdu.test(text) ? undecidedUnlessShort(text, defaultLanguage, true) : { source: 'script', language: 'ar' };
    case 'devanagari':
      return { source: 'script', language: 'hi' };
    case 'latin': {
      const short = undecidedUnlessShort(text, defaultLanguage);
      if (short.source === 'default') return short;
      const [top] = detectAll(text);
      return top && top.accuracy >= LOCAL_CONFIDENCE ? { source: 'local', language: top.lang } : short;
    }
    case 'other':
      return undecidedUnlessShort(text, defaultLanguage, true);
  }
}

function undecidedUnlessShort(text: string, defaultLanguage: string, withLikely = false): LanguageGuess {
  if ([...text.trim()].length < MIN_DETECTABLE_CHARS) return { source: 'default', language: defaultLanguage };
  const likely = withLikely ? detectAll(text)[0]?.lang : undefined;
  return likely ? { source: 'undecided', likely } : { source: 'undecided' };
}
