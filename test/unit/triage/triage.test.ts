import fc from 'fast-check';
import { parseConfig, priorities, type Priority, type TriageConfig } from '../../../shared/config';
import type { Sentiment, TextAnalysis } from '../../../shared/triage/analyzer';
import { categorize, matchesPhrase, pendingTriage, triage, type TriageInput } from '../../../shared/triage/triage';

const configWith = (triageConfig: Record<string, unknown> = {}): TriageConfig => parseConfig({ triage: triageConfig }).triage;
const config = configWith({ publicChannels: ['twitter'] });

const labelled = (label: Sentiment['label'], scores: Partial<Sentiment['scores']>): Sentiment => ({ label, scores: { positive: 0, negative: 0, neutral: 0, mixed: 0, ...scores } });
const NEUTRAL = labelled('NEUTRAL', { neutral: 0.97, positive: 0.01, negative: 0.01, mixed: 0.01 });
const analysis = (sentiment?: Sentiment, extra: Partial<TextAnalysis> = {}): TextAnalysis => ({ id: 'm1', language: 'en', languageSource: 'local', ...(sentiment && { sentiment }), ...extra });
const input = (overrides: Partial<TriageInput> = {}): TriageInput => ({ channel: 'web', text: 'Where is my order?', analysis: analysis(NEUTRAL), recentMessageCount: 1, ...overrides });
const rank = (priority: Priority) => priorities.indexOf(priority);

describe('urgency from sentiment', () => {
  test.each([
    ['negative at the critical threshold', labelled('NEGATIVE', { negative: 0.9 }), 'critical', ['negative 0.90 ≥ 0.9']],
    ['strongly negative', labelled('NEGATIVE', { negative: 0.93 }), 'critical', ['negative 0.93 ≥ 0.9']],
    ['negative from the high threshold', labelled('NEGATIVE', { negative: 0.6 }), 'high', ['negative 0.60 ≥ 0.6']],
    ['just below high', labelled('NEGATIVE', { negative: 0.599 }), 'normal', []],
    ['positive from the low threshold', labelled('POSITIVE', { positive: 0.85 }), 'low', ['positive 0.85 ≥ 0.8']],
    ['positive but also negative past high', labelled('MIXED', { positive: 0.8, negative: 0.6 }), 'high', ['negative 0.60 ≥ 0.6']],
    ['neutral', NEUTRAL, 'normal', []],
  ] as const)('%s → %s', (_name, sentiment, urgency, reasons) => {
    const result = triage(input({ analysis: analysis(sentiment) }), config);
    expect(result.urgency).toBe(urgency);
    expect(result.reasons).toEqual(reasons);
    expect(result.sentiment).toBe(sentiment.label);
    expect(result.scores).toEqual(sentiment.scores);
  });

  test('shown scores are rounded down, never above the real score', () => {
    expect(triage(input({ analysis: analysis(labelled('NEGATIVE', { negative: 0.999 })) }), config).reasons).toEqual(['negative 0.99 ≥ 0.9']);
  });

  test('thresholds come from the config', () => {
    const strict = configWith({ sentiment: { high: 0.95, critical: 0.99, low: 0.5 } });
    expect(triage(input({ analysis: analysis(labelled('NEGATIVE', { negative: 0.93 })) }), strict).urgency).toBe('normal');
    expect(triage(input({ analysis: analysis(labelled('POSITIVE', { positive: 0.6 })) }), strict).urgency).toBe('low');
  });

  test('unscored text is normal, and says why', () => {
    const unscored = triage(input({ analysis: analysis(undefined) }), config);
    expect(unscored).toEqual(expect.objectContaining({ urgency: 'normal', reasons: ['sentiment not scored'] }));
    expect(unscored).not.toHaveProperty('sentiment');
    expect(unscored).not.toHaveProperty('scores');
    expect(unscored.tags).toEqual(['category:general', 'language:en', 'urgency:normal']);

    const unsupported = triage(input({ analysis: analysis(undefined, { language: 'ru', unsupportedLanguage: true }) }), config);
    expect(unsupported.reasons).toEqual(['language not supported']);
    expect(unsupported.tags).toEqual(['category:general', 'language:ru', 'sentiment:unsupported-language', 'urgency:normal']);
  });
});

describe('raises', () => {
  test('a keyword rule sets a floor: the higher of it and the sentiment', () => {
    expect(triage(input({ text: 'I will talk to my lawyer about this' }), config)).toEqual(expect.objectContaining({ urgency: 'critical', reasons: ['keyword rule → critical'] }));
    expect(triage(input({ text: 'This is URGENT' }), config).urgency).toBe('high');
    expect(triage(input({ text: '请尽快处理' }), config).urgency).toBe('high');
    expect(triage(input({ text: '再不处理我就去12315投诉' }), config).urgency).toBe('critical');
    // The floor does not lower a more urgent sentiment, and the highest matching rule wins.
    expect(triage(input({ text: 'urgent', analysis: analysis(labelled('NEGATIVE', { negative: 0.95 })) }), config).urgency).toBe('critical');
    expect(triage(input({ text: 'urgent: my lawyer is waiting' }), config).urgency).toBe('critical');
    expect(triage(input({ text: 'I have an issue with my order' }), config).urgency).toBe('normal');
  });

  test('negative or mixed on a public channel: +1 and risk public', () => {
    for (const label of ['NEGATIVE', 'MIXED'] as const) {
      const result = triage(input({ channel: 'twitter', analysis: analysis(labelled(label, { negative: 0.65 })) }), config);
      expect(result).toEqual(expect.objectContaining({ urgency: 'critical', risk: ['public'], reasons: ['negative 0.65 ≥ 0.6', 'public channel +1'] }));
      expect(result.tags).toContain('risk:public');
    }
    expect(triage(input({ channel: 'twitter', analysis: analysis(labelled('POSITIVE', { positive: 0.9 })) }), config)).toEqual(expect.objectContaining({ urgency: 'low', risk: [] }));
    expect(triage(input({ channel: 'twitter' }), config).risk).toEqual([]);
    expect(triage(input({ channel: 'web', analysis: analysis(labelled('NEGATIVE', { negative: 0.65 })) }), config)).toEqual(expect.objectContaining({ urgency: 'high', risk: [] }));
  });

  test('the customer tier adds its levels', () => {
    expect(triage(input({ customerTier: 'vip' }), config)).toEqual(expect.objectContaining({ urgency: 'high', reasons: ['tier vip +1'] }));
    expect(triage(input({ customerTier: 'gold' }), configWith({ tiers: { gold: 2 } })).urgency).toBe('critical');
    expect(triage(input({ customerTier: 'standard' }), config).urgency).toBe('normal');
    expect(triage(input({ customerTier: 'constructor' }), config).urgency).toBe('normal');
    expect(triage(input({ customerTier: 'none' }), configWith({ tiers: { none: 0 } })).reasons).toEqual([]);
  });

  test('repeat contacts: from repeatContacts.count messages within the window, +1', () => {
    expect(triage(input({ recentMessageCount: 2 }), config).urgency).toBe('normal');
    expect(triage(input({ recentMessageCount: 3 }), config)).toEqual(expect.objectContaining({ urgency: 'high', reasons: ['3 messages in PT24H +1'] }));
    expect(triage(input({ recentMessageCount: 5 }), configWith({ repeatContacts: { count: 5, within: 'PT2H' } })).reasons).toEqual(['5 messages in PT2H +1']);
  });

  test('raises stack on top of the keyword floor and stop at critical', () => {
    expect(triage(input({ text: 'urgent please', customerTier: 'vip' }), config).urgency).toBe('critical');
    const everything = triage(
      input({ channel: 'twitter', text: 'lawyer', customerTier: 'vip', recentMessageCount: 9, analysis: analysis(labelled('NEGATIVE', { negative: 0.99 })) }),
      config,
    );
    expect(everything.urgency).toBe('critical');
    expect(everything.reasons).toEqual(['negative 0.99 ≥ 0.9', 'keyword rule → critical', 'public channel +1', 'tier vip +1', '9 messages in PT24H +1']);
  });
});

describe('tags', () => {
  test('sorted, with urgency, sentiment, category, language and risk', () => {
    const result = triage(input({ channel: 'twitter', text: '快递太慢了，一个星期还没收到', analysis: analysis(labelled('NEGATIVE', { negative: 0.92 }), { language: 'zh' }) }), config);
    expect(result.tags).toEqual(['category:delivery', 'language:zh', 'risk:public', 'sentiment:negative', 'urgency:critical']);
    expect(result.language).toBe('zh');
  });

  test.each(['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED'] as const)('sentiment:%s in lower case', (label) => {
    expect(triage(input({ analysis: analysis(labelled(label, {})) }), config).tags).toContain(`sentiment:${label.toLowerCase()}`);
  });

  test('nothing of the text appears in the result', () => {
    const text = 'My lawyer Ms Quaxley says the refund for parcel ZQ-778 is late';
    const result = triage(input({ channel: 'twitter', text, customerTier: 'vip', recentMessageCount: 4, analysis: analysis(labelled('NEGATIVE', { negative: 0.95 })) }), config);
    expect(JSON.stringify(result)).not.toMatch(/Quaxley|ZQ-778|lawyer/);
  });
});

describe('categorize', () => {
  test.each([
    ['I was charged twice, please send the invoice', 'billing'],
    ['我的快递还没收到', 'delivery'],
    ['我的包裹一直没有物流信息', 'delivery'],
    ['忘记密码，无法登录', 'account'],
    ['App 闪退，一直报错', 'technical'],
    ['I cannot log in to my account', 'account'],
    ['Do you sell gift cards?', 'general'],
  ])('%s → %s', (text, category) => expect(categorize(text, config)).toBe(category));

  test('the category with the most matching phrases wins; a tie goes to the earlier rule', () => {
    expect(categorize('The parcel is late and I want a refund', config)).toBe('delivery');
    expect(categorize('Refund for the parcel', config)).toBe('billing');
  });

  test('no match → the configured default category', () => {
    expect(categorize('Hello', configWith({ defaultCategory: 'other' }))).toBe('other');
  });
});

describe('matchesPhrase', () => {
  test.each([
    ['My bill is wrong', 'bill', true],
    ['It costs a billion', 'bill', false],
    ['I have an issue', 'sue', false],
    ['I will sue you', 'sue', true],
    ['Refund!', 'refund', true],
    ['REFUND NOW', 'refund', true],
    ['ＲＥＦＵＮＤ please', 'refund', true],
    ['I cannot Log \n In', 'log in', true],
    ['I cannot login', 'log in', false],
    ['refunded', 'refund', false],
    ['café', 'caf', false],
    ['naïve customer', 'na', false],
    ["I can't log in", 'can’t log in', true],
    ['打12315投诉', '12315', true],
    ['打123150', '12315', false],
    ['我要退款', '退款', true],
    ['我的iPhone坏了', '坏了', true],
    ['refund退款', '退款', true],
    ['我要投訴', '投诉', true],
    ['我要投诉', '投訴', true],
    ['返金してください', '返金', true],
    ['환불해주세요', '환불', true],
    ['Where is my package', '包裹', false],
  ])('%j contains %j: %s', (text, phrase, expected) => expect(matchesPhrase(text, phrase)).toBe(expected));
});

describe('pendingTriage', () => {
  test('normal urgency, tagged triage:pending, in the default language', () => {
    expect(pendingTriage('web', config)).toEqual({
      language: 'en',
      urgency: 'normal',
      category: 'general',
      risk: [],
      tags: ['category:general', 'language:en', 'triage:pending', 'urgency:normal'],
      reasons: ['analyzer unavailable'],
      pending: true,
    });
  });

  test('with the text: its category, and a keyword rule still applies since it needs no analyzer', () => {
    const result = pendingTriage('wechat', config, 'zh', '快递一直没收到，我要投诉');
    expect(result).toEqual(expect.objectContaining({ language: 'zh', category: 'delivery', urgency: 'critical', pending: true }));
    expect(result.tags).toEqual(['category:delivery', 'language:zh', 'triage:pending', 'urgency:critical']);
  });
});

describe('properties', () => {
  const labels = ['POSITIVE', 'NEUTRAL', 'MIXED', 'NEGATIVE'] as const; // least to most negative
  const unit = fc.double({ min: 0, max: 1, noNaN: true });
  const configArb = fc.record({ high: unit, critical: unit, low: unit }).map((sentiment) => configWith({ sentiment, publicChannels: ['twitter'], tiers: { vip: 1, gold: 2 } }));
  const texts = fc.constantFrom('', 'Where is my parcel?', 'urgent', 'my lawyer', '我要投诉', 'refund asap', '快递没收到');
  const rest = fc.record({
    channel: fc.constantFrom('web', 'twitter'),
    text: texts,
    customerTier: fc.option(fc.constantFrom('vip', 'gold', 'standard'), { nil: undefined }),
    recentMessageCount: fc.integer({ min: 1, max: 6 }),
  });
  const sentimentArb = fc.record({ label: fc.constantFrom(...labels), scores: fc.record({ positive: unit, negative: unit, neutral: unit, mixed: unit }) });
  const urgencyOf = (base: Omit<TriageInput, 'analysis'>, sentiment: Sentiment | undefined, cfg: TriageConfig) => rank(triage({ ...base, analysis: analysis(sentiment) }, cfg).urgency);

  test('more negativity never lowers urgency', () => {
    fc.assert(
      fc.property(configArb, rest, sentimentArb, unit, unit, fc.nat(3), (cfg, base, sentiment, moreNegative, lessPositive, labelStep) => {
        const worse: Sentiment = {
          label: labels[Math.min(3, labels.indexOf(sentiment.label) + labelStep)]!,
          scores: { ...sentiment.scores, negative: sentiment.scores.negative + (1 - sentiment.scores.negative) * moreNegative, positive: sentiment.scores.positive * lessPositive },
        };
        expect(urgencyOf(base, worse, cfg)).toBeGreaterThanOrEqual(urgencyOf(base, sentiment, cfg));
      }),
    );
  });

  test('each raise never lowers urgency', () => {
    fc.assert(
      fc.property(configArb, rest, fc.option(sentimentArb, { nil: undefined }), (cfg, base, sentiment) => {
        const before = urgencyOf(base, sentiment, cfg);
        for (const raised of [
          { ...base, channel: 'twitter' },
          { ...base, customerTier: 'gold' },
          { ...base, recentMessageCount: base.recentMessageCount + 3 },
          { ...base, text: `${base.text} lawyer` },
          { ...base, text: `${base.text} urgent` },
        ]) {
          expect(urgencyOf(raised, sentiment, cfg)).toBeGreaterThanOrEqual(before);
        }
      }),
    );
  });

  test('urgency is a priority; tags are sorted and name the urgency, category and language', () => {
    fc.assert(
      fc.property(configArb, rest, fc.option(sentimentArb, { nil: undefined }), fc.constantFrom('en', 'zh', 'zh-TW', 'ru'), (cfg, base, sentiment, language) => {
        const result = triage({ ...base, analysis: analysis(sentiment, { language }) }, cfg);
        expect(priorities).toContain(result.urgency);
        expect(result.tags).toEqual([...result.tags].sort());
        expect(result.tags).toEqual(expect.arrayContaining([`urgency:${result.urgency}`, `category:${result.category}`, `language:${language}`]));
      }),
    );
  });
});
