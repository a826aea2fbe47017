import type { Sentiment, SentimentLabel } from './analyzer';
import { toSimplified } from './chinese';

/**
 * A small word-list sentiment for English and Chinese, standing in for Comprehend offline. It is
 * meant to get the obvious cases right (fury, thanks, a plain question), not to rival a model.
 * Weights: 3 strong, 2 clear, 1 mild; 0 marks a phrase that only looks emotional
 * (不好意思 "excuse me"), so the longest match keeps it from counting.
 */
const englishLexicon: Readonly<Record<string, number>> = {
  furious: -3, livid: -3, terrible: -3, horrible: -3, awful: -3, worst: -3, unacceptable: -3, disgusting: -3, appalling: -3,
  outrageous: -3, pathetic: -3, scam: -3, fraud: -3, incompetent: -3, hate: -3, nightmare: -3, 'rip off': -3, 'refund now': -3,
  angry: -2, upset: -2, annoyed: -2, frustrated: -2, frustrating: -2, disappointed: -2, disappointing: -2, unhappy: -2,
  ridiculous: -2, useless: -2, rude: -2, lied: -2, cheated: -3, 'fed up': -2, 'sick of': -2, 'never again': -2, 'waste of': -2,
  bad: -1, poor: -1, wrong: -1, damaged: -1, slow: -1,
  thanks: 2, thank: 2, thx: 2, appreciate: 2, appreciated: 2, grateful: 2, great: 2, love: 2, happy: 2, glad: 2, pleased: 2,
  satisfied: 2, helpful: 2, perfect: 2, perfectly: 2, excellent: 3, amazing: 3, awesome: 3, wonderful: 3, fantastic: 3, brilliant: 3,
  good: 1, nice: 1, quick: 1, fast: 1, resolved: 1,
  'no problem': 0,
};
const englishNegators = new Set(['not', 'no', 'never', 'nothing', 'without', 'hardly', 'cannot', "can't", "don't", "doesn't", "didn't", "isn't", "wasn't", "aren't", "won't", "couldn't", 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'cant']);
const englishIntensifiers = new Set(['very', 'so', 'really', 'extremely', 'absolutely', 'totally', 'completely', 'incredibly', 'super', 'truly', 'utterly']);

const chineseLexicon: Readonly<Record<string, number>> = {
  气死: -3, 太差: -3, 垃圾: -3, 骗子: -3, 愤怒: -3, 恶心: -3, 坑人: -3, 欺骗: -3, 诈骗: -3, 差劲: -3, 最差: -3, 受够了: -3, 忍无可忍: -3, 烦死了: -3,
  投诉: -2, 生气: -2, 失望: -2, 不满: -2, 糟糕: -2, 离谱: -2, 过分: -2, 无语: -2, 不好: -2, 上当: -2, 郁闷: -2, 太慢: -2,
  退款: -1, 坏了: -1, 着急: -1,
  谢谢: 2, 感谢: 2, 多谢: 2, 满意: 2, 很好: 2, 喜欢: 2, 开心: 2, 高兴: 2, 给力: 2, 棒: 2, 赞: 2, 太好: 3, 非常好: 3,
  不错: 1, 专业: 1, 及时: 1, 耐心: 1, 辛苦了: 1,
  不好意思: 0, 好不好: 0,
};
/** A negator right before a term, perhaps softened (不太, 没那么, 不是很). */
const chineseNegated = /(?:不|没|没有|别|并不|毫不|从不|未)(?:是|太|很|怎么|那么|够)?$/u;
const chineseIntensified = /(?:非常|特别|十分|极其|超级|超|太|很|真|巨|最)$/u;

/** A negator up to this many words before (English) turns a word's weight around, and weakens it. */
const NEGATION_REACH = 3;
const NEGATED = -0.75;
const INTENSIFIER_REACH = 2;
const INTENSIFIED = 1.5;
/** A listed word in capitals (three letters or more) is shouted. */
const SHOUTED = 1.5;
/** Evidence (summed weights) at which a text is about two-thirds opinion and one-third neutral. */
const SCALE = 1.5;

interface Evidence {
  positive: number;
  negative: number;
}

/** Sentiment from the word lists; a text with no listed words is neutral. Scores sum to 1. */
export function lexiconSentiment(text: string): Sentiment {
  const normalized = text.normalize('NFKC');
  const evidence: Evidence = { positive: 0, negative: 0 };
  for (const clause of normalized.split(/[.,;:!?\n。，；：！？、]+/u)) englishEvidence(clause, evidence);
  chineseEvidence(toSimplified(normalized), evidence);

  const exclamations = Math.min(normalized.match(/[!！]/gu)?.length ?? 0, 4);
  const emphasis = 1 + 0.15 * exclamations;
  const positive = evidence.positive * emphasis;
  const negative = evidence.negative * emphasis;
  const total = positive + negative;
  if (total === 0) return { label: 'NEUTRAL', scores: { positive: 0, negative: 0, neutral: 1, mixed: 0 } };

  const opinion = 1 - Math.exp(-total / SCALE);
  const mixed = (opinion * Math.min(positive, negative)) / Math.max(positive, negative);
  const polar = opinion - mixed;
  const scores = { positive: (polar * positive) / total, negative: (polar * negative) / total, neutral: 1 - opinion, mixed };
  const label = (Object.entries(scores) as [keyof typeof scores, number][]).reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
  return { label: label.toUpperCase() as SentimentLabel, scores };
}

function add(evidence: Evidence, weight: number): void {
  if (weight > 0) evidence.positive += weight;
  else evidence.negative -= weight;
}

const englishPhrases = Object.entries(englishLexicon)
  .map(([phrase, weight]) => ({ words: phrase.split(' '), weight }))
  .sort((a, b) => b.words.length - a.words.length);

function englishEvidence(clause: string, evidence: Evidence): void {
  const raw = clause.replace(/’/gu, "'").match(/[\p{L}\p{N}]+(?:'[\p{L}]+)*/gu) ?? [];
  const words = raw.map((word) => word.toLowerCase());
  let negatorAt = -Infinity;
  let intensifierAt = -Infinity;
  for (let i = 0; i < words.length; ) {
    const match = englishPhrases.find(({ words: phrase }) => phrase.every((word, k) => words[i + k] === word));
    if (!match) {
      if (englishNegators.has(words[i]!)) negatorAt = i;
      if (englishIntensifiers.has(words[i]!)) intensifierAt = i;
      i++;
      continue;
    }
    const negated = i - negatorAt <= NEGATION_REACH;
    const shouted = /^\p{Lu}{3,}$/u.test(raw[i]!);
    add(evidence, match.weight * (negated ? NEGATED : i - intensifierAt <= INTENSIFIER_REACH ? INTENSIFIED : 1) * (shouted ? SHOUTED : 1));
    i += match.words.length;
  }
}

const chineseTerms = Object.entries(chineseLexicon).sort(([a], [b]) => b.length - a.length);

function chineseEvidence(text: string, evidence: Evidence): void {
  for (let i = 0; i < text.length; ) {
    const match = chineseTerms.find(([term]) => text.startsWith(term, i));
    if (!match) {
      i++;
      continue;
    }
    const before = text.slice(Math.max(0, i - 4), i);
    add(evidence, match[1] * (chineseNegated.test(before) ? NEGATED : chineseIntensified.test(before) ? INTENSIFIED : 1));
    i += match[0].length;
  }
}
