import fc from 'fast-check';
import { lexiconSentiment } from '../../../shared/triage/lexicon-sentiment';
import { OfflineAnalyzer } from '../../../shared/triage/offline-analyzer';

const analyzeOne = async (text: string, defaultLanguage = 'en') => (await new OfflineAnalyzer({ defaultLanguage }).analyze([{ id: 'm1', text }]))[0]!;

describe('OfflineAnalyzer sentiment', () => {
  test.each([
    'I am FURIOUS. This is the worst service ever, absolutely unacceptable!!! Refund now.',
    'This is terrible, the worst company I have ever dealt with. Unacceptable!',
    '气死我了！你们太差了，垃圾服务，我要投诉！马上退款！',
    '你们就是骗子，我很愤怒，必须退款',
  ])('furious: %s → NEGATIVE ≥ 0.9', async (text) => {
    const { sentiment } = await analyzeOne(text);
    expect(sentiment?.label).toBe('NEGATIVE');
    expect(sentiment!.scores.negative).toBeGreaterThanOrEqual(0.9);
  });

  test.each([
    'Thank you so much, the replacement arrived and it works perfectly!',
    'Thanks, great service, really helpful!',
    '谢谢你们，问题解决了，非常满意！',
    '感谢客服，很好很专业',
  ])('thank-you: %s → POSITIVE ≥ 0.8', async (text) => {
    const { sentiment } = await analyzeOne(text);
    expect(sentiment?.label).toBe('POSITIVE');
    expect(sentiment!.scores.positive).toBeGreaterThanOrEqual(0.8);
  });

  test.each(['Can you tell me when my order will arrive?', '请问我的快递什么时候到？', '不好意思，请问我的快递到哪了'])('a plain question: %s → NEUTRAL', async (text) => {
    expect((await analyzeOne(text)).sentiment).toEqual({ label: 'NEUTRAL', scores: { positive: 0, negative: 0, neutral: 1, mixed: 0 } });
  });

  test.each([
    ['I am not happy with the service', 'I am happy with the service'],
    ["I don't love it", 'I love it'],
    ['我对你们的服务不满意', '我对你们的服务满意'],
    ['服务不太好', '服务很好'],
    ['这个不是很好', '这个很好'],
  ])('negation turns praise negative: %s', (negated, plain) => {
    expect(lexiconSentiment(negated).label).toBe('NEGATIVE');
    expect(lexiconSentiment(plain).label).toBe('POSITIVE');
  });

  test('a negated complaint is not negative', () => {
    expect(lexiconSentiment('not bad at all').label).not.toBe('NEGATIVE');
    expect(lexiconSentiment('no problem, take your time').label).toBe('NEUTRAL');
  });

  test('negation stops at the end of a clause', () => {
    expect(lexiconSentiment("I'm not sure. Thanks").label).toBe('POSITIVE');
  });

  test('intensifiers, exclamation marks and capitals strengthen what is there', () => {
    const negative = (text: string) => lexiconSentiment(text).scores.negative;
    expect(negative('I am very angry')).toBeGreaterThan(negative('I am angry'));
    expect(negative('我非常生气')).toBeGreaterThan(negative('我生气'));
    expect(negative('I am angry!!')).toBeGreaterThan(negative('I am angry'));
    expect(negative('我生气！')).toBeGreaterThan(negative('我生气'));
    expect(negative('I am ANGRY')).toBeGreaterThan(negative('I am angry'));
    expect(negative('WHY IS IT SO BAD')).toBeGreaterThan(negative('why is it bad'));
    expect(lexiconSentiment('WHERE IS MY ORDER!!!').label).toBe('NEUTRAL');
  });

  test('praise and complaint together are MIXED', () => {
    expect(lexiconSentiment('Thanks for the reply, but the delivery was terrible').label).toBe('MIXED');
  });

  test('traditional Chinese is scored like simplified', () => {
    expect(lexiconSentiment('謝謝你們，問題解決了，非常滿意！')).toEqual(lexiconSentiment('谢谢你们，问题解决了，非常满意！'));
  });

  test('property: the four scores are between 0 and 1, sum to 1, and the label is the highest', () => {
    const words = fc.constantFrom('furious', 'not', 'very', 'thanks', 'great', 'bad', 'ANGRY', '!', '谢谢', '不', '满意', '垃圾', '非常', 'order', '?', '.', ' ');
    fc.assert(
      fc.property(fc.array(words, { maxLength: 20 }), (parts) => {
        const { label, scores } = lexiconSentiment(parts.join(' '));
        const values = Object.values(scores);
        for (const value of values) expect(value).toBeGreaterThanOrEqual(0);
        expect(values.reduce((a, b) => a + b)).toBeCloseTo(1, 10);
        expect(scores[label.toLowerCase() as keyof typeof scores]).toBe(Math.max(...values));
      }),
    );
  });
});

describe('OfflineAnalyzer languages', () => {
  test('languages are told as the Comprehend analyzer tells them locally', async () => {
    expect(await analyzeOne('我的快递一个星期还没到')).toEqual(expect.objectContaining({ language: 'zh', languageSource: 'script' }));
    expect(await analyzeOne('Ok thanks', 'de')).toEqual(expect.objectContaining({ language: 'de', languageSource: 'default' }));
  });

  test('undecided Latin text is taken to be English', async () => {
    expect(await analyzeOne('lol lol lol lol lol lol')).toEqual(expect.objectContaining({ language: 'en', languageSource: 'default', sentiment: expect.anything() }));
  });

  test('another language Comprehend could score gets no sentiment, and is not flagged', async () => {
    expect(await analyzeOne('Mi paquete no ha llegado y nadie contesta el teléfono.')).toEqual({ id: 'm1', language: 'es', languageSource: 'local' });
    expect(await analyzeOne('注文した商品がまだ届きません')).toEqual({ id: 'm1', language: 'ja', languageSource: 'script' });
  });

  test('a language Comprehend cannot score is flagged unsupportedLanguage', async () => {
    expect(await analyzeOne('Моя посылка опаздывает и никто не отвечает.')).toEqual({ id: 'm1', language: 'ru', languageSource: 'local', unsupportedLanguage: true });
  });

  test('an empty text gets no sentiment', async () => {
    expect(await analyzeOne('')).toEqual({ id: 'm1', language: 'en', languageSource: 'default' });
  });

  test('one result per document, in order', async () => {
    const results = await new OfflineAnalyzer().analyze([
      { id: 'a', text: 'Thanks!' },
      { id: 'b', text: '垃圾' },
    ]);
    expect(results.map((r) => [r.id, r.sentiment?.label])).toEqual([
      ['a', 'POSITIVE'],
      ['b', 'NEGATIVE'],
    ]);
  });
});
