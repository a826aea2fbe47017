import { ComprehendClient } from '@aws-sdk/client-comprehend';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { type Answer, DETECT, FakeComprehend, type Received, SENTIMENT } from '../../support/comprehend';
import { AnalyzerUnavailableError, type TextDocument } from '../../../shared/triage/analyzer';
import { ComprehendAnalyzer, MAX_BATCH_DOCUMENTS, MAX_DOCUMENT_BYTES, truncateUtf8 } from '../../../shared/triage/comprehend-analyzer';
import dominantLanguage from './fixtures/comprehend/batch-detect-dominant-language.json';
import sentimentErrorList from './fixtures/comprehend/batch-detect-sentiment-error-list.json';
import sentiment from './fixtures/comprehend/batch-detect-sentiment.json';
import internalServer from './fixtures/comprehend/internal-server-exception.json';
import throttling from './fixtures/comprehend/throttling-exception.json';
import tooManyRequests from './fixtures/comprehend/too-many-requests-exception.json';
import validation from './fixtures/comprehend/validation-exception.json';


/** The recorded answer when the request is the recorded one; otherwise each document answered in the recorded shape. */
function answerFromFixtures(request: Received): Answer {
  for (const fixture of [dominantLanguage, sentiment, sentimentErrorList]) {
    if (request.target === fixture.target && isDeepStrictEqual(request.body, fixture.request)) return { status: 200, body: fixture.response };
  }
  const template = request.target === DETECT ? dominantLanguage.response.ResultList[0]! : sentiment.response.ResultList[0]!;
  return { status: 200, body: { ResultList: request.body.TextList.map((_, Index) => ({ ...template, Index })), ErrorList: [] } };
}

const comprehend = new FakeComprehend(answerFromFixtures);
let endpoint: string;
beforeAll(async () => {
  endpoint = await comprehend.start();
});
afterAll(() => comprehend.stop());
beforeEach(() => {
  comprehend.received.length = 0;
  comprehend.answer = answerFromFixtures;
});

const analyzerAt = (url: string, maxAttempts = 1) =>
  new ComprehendAnalyzer(new ComprehendClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts }), { defaultLanguage: 'en' });
const docs = (texts: readonly string[], prefix = 'm'): TextDocument[] => texts.map((text, i) => ({ id: `${prefix}${i}`, text }));
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('ComprehendAnalyzer against the recorded answers', () => {
  test('sentiment: one request in the documented shape, each result mapped back to its document', async () => {
    const analyzer = analyzerAt(endpoint);
    const results = await analyzer.analyze(docs(sentiment.request.TextList));

    expect(comprehend.received).toEqual([{ target: SENTIMENT, contentType: 'application/x-amz-json-1.1', body: sentiment.request }]);
    expect(analyzer.calls).toBe(1);
    expect(results).toEqual([
      { id: 'm0', language: 'en', languageSource: 'local', sentiment: { label: 'NEGATIVE', scores: { positive: 0.0021, negative: 0.9312, neutral: 0.0641, mixed: 0.0026 } } },
      { id: 'm1', language: 'en', languageSource: 'local', sentiment: { label: 'POSITIVE', scores: { positive: 0.9964, negative: 0.0006, neutral: 0.0027, mixed: 0.0003 } } },
      { id: 'm2', language: 'en', languageSource: 'local', sentiment: { label: 'NEUTRAL', scores: { positive: 0.0143, negative: 0.0089, neutral: 0.9761, mixed: 0.0007 } } },
    ]);
  });

  test('a document in the ErrorList stays unscored; the others are scored', async () => {
    const results = await analyzerAt(endpoint).analyze(docs(sentimentErrorList.request.TextList));

    expect(comprehend.received.map((r) => r.body)).toEqual([sentimentErrorList.request]);
    expect(results[0]).toEqual({ id: 'm0', language: 'zh', languageSource: 'script' });
    expect(results[1]!.sentiment?.label).toBe('NEUTRAL');
  });

  test('only undecided texts are sent for detection; the top language wins, an ErrorList entry gets the default', async () => {
    const analyzer = analyzerAt(endpoint);
    const results = await analyzer.analyze(docs(['我的快递一个星期还没到，怎么回事？', 'My parcel is late and nobody answers the phone.', ...dominantLanguage.request.TextList]));

    expect(comprehend.requests(DETECT).map((r) => r.body)).toEqual([dominantLanguage.request]);
    expect(results.map((r) => [r.language, r.languageSource])).toEqual([
      ['zh', 'script'],
      ['en', 'local'],
      ['en', 'comprehend'],
      ['de', 'comprehend'],
      ['ru', 'comprehend'],
      ['en', 'default'],
    ]);
    // Russian cannot be scored: flagged, and never sent for sentiment.
    expect(results[4]).toEqual({ id: 'm4', language: 'ru', languageSource: 'comprehend', unsupportedLanguage: true });
    const sentimentRequests = comprehend.requests(SENTIMENT).map((r) => r.body);
    expect(sentimentRequests.map((body) => body.LanguageCode).sort()).toEqual(['de', 'en', 'zh']);
    expect(sentimentRequests.flatMap((body) => body.TextList)).not.toContain(dominantLanguage.request.TextList[2]);
    expect(results.filter((r) => r.sentiment)).toHaveLength(5);
    expect(analyzer.calls).toBe(4);
  });

  test('script-decided, confidently local and short texts make no detection request', async () => {
    await analyzerAt(endpoint).analyze(docs(['这个订单什么时候发货？', '注文した商品がまだ届きません', '주문한 상품이 아직 안 왔어요', 'طلبي لم يصل بعد، أين هو؟', 'मेरा ऑर्डर अभी तक नहीं आया', 'Vielen Dank für die schnelle Hilfe!', 'ok thx', '👍']));
    expect(comprehend.requests(DETECT)).toEqual([]);
    expect(comprehend.requests(SENTIMENT).map((r) => r.body.LanguageCode).sort()).toEqual(['ar', 'de', 'en', 'hi', 'ja', 'ko', 'zh']);
  });

  test('an empty text is not sent, and gets no sentiment', async () => {
    const [result] = await analyzerAt(endpoint).analyze(docs(['  ']));
    expect(comprehend.received).toEqual([]);
    expect(result).toEqual({ id: 'm0', language: 'en', languageSource: 'default' });
  });
});

describe('ComprehendAnalyzer batching', () => {
  const english = ['My parcel is late and nobody answers the phone.', 'Can you tell me when the store opens tomorrow?', 'Please cancel my subscription immediately', 'Could you send me a copy of my invoice?'];
  const chinese = ['我的快递一个星期还没到', '请问什么时候可以退款？', '客服电话一直打不通', '收到的商品是坏的'];
  const spanish = ['Mi paquete no ha llegado y nadie contesta el teléfono.', 'Me cobraron dos veces, quiero un reembolso.'];
  const cycle = (texts: string[], n: number) => Array.from({ length: n }, (_, i) => `${texts[i % texts.length]} #${i}`);

  test('60 English, 30 Chinese and 10 Spanish messages take 6 requests: sentiment only, ≤ 25 documents of one language each', async () => {
    const batch = [...docs(cycle(english, 60), 'en'), ...docs(cycle(chinese, 30), 'zh'), ...docs(cycle(spanish, 10), 'es')];
    const shuffled = fc.sample(fc.shuffledSubarray(batch, { minLength: batch.length }), { seed: 7, numRuns: 1 })[0]!;
    const analyzer = analyzerAt(endpoint);
    const results = await analyzer.analyze(shuffled);

    expect(analyzer.calls).toBeLessThanOrEqual(6);
    expect(comprehend.requests(DETECT)).toEqual([]);
    const requests = comprehend.requests(SENTIMENT);
    expect(requests).toHaveLength(analyzer.calls);
    for (const { body } of requests) expect(body.TextList.length).toBeLessThanOrEqual(MAX_BATCH_DOCUMENTS);
    expect(requests.map((r) => `${r.body.LanguageCode}:${r.body.TextList.length}`).sort()).toEqual(['en:10', 'en:25', 'en:25', 'es:10', 'zh:25', 'zh:5']);
    for (const language of ['en', 'zh', 'es']) {
      const texts = requests.filter((r) => r.body.LanguageCode === language).flatMap((r) => r.body.TextList);
      expect(texts.sort()).toEqual(shuffled.filter((d) => d.id.startsWith(language)).map((d) => d.text).sort());
    }
    expect(results.map((r) => r.id)).toEqual(shuffled.map((d) => d.id));
    for (const result of results) expect(result.language).toBe(result.id.slice(0, 2));
  });

  test('more than 25 undecided texts are detected 25 at a time', async () => {
    const undecided = Array.from({ length: 30 }, (_, i) => `Моя посылка опаздывает, заказ номер ${i}`);
    await analyzerAt(endpoint).analyze(docs(undecided));
    expect(comprehend.requests(DETECT).map((r) => r.body.TextList.length)).toEqual([25, 5]);
  });

  test(`every text sent is cut to fewer than 5,000 bytes on a character boundary (Chinese, emoji)`, async () => {
    const long = ['退款'.repeat(1200), 'A'.repeat(10) + '😡'.repeat(1600), 'x'.repeat(6000), '我'.repeat(1666) + 'ab😡'];
    await analyzerAt(endpoint).analyze(docs(long));
    expect(comprehend.requests(SENTIMENT).flatMap((r) => r.body.TextList)).toHaveLength(long.length);
    for (const text of comprehend.received.flatMap((r) => r.body.TextList)) {
      expect(bytes(text)).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES);
      expect(bytes(text)).toBeGreaterThan(MAX_DOCUMENT_BYTES - 4);
      expect(long.some((original) => original.startsWith(text))).toBe(true);
      expect(text).not.toMatch(/\uFFFD|[\uD800-\uDBFF]$/);
    }
  });
});

describe('truncateUtf8', () => {
  test('keeps whole characters: 1-, 2-, 3- and 4-byte', () => {
    expect(truncateUtf8('abc', 3)).toBe('abc');
    expect(truncateUtf8('abcd', 3)).toBe('abc');
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('a退', 3)).toBe('a');
    expect(truncateUtf8('a退', 4)).toBe('a退');
    expect(truncateUtf8('a😡', 4)).toBe('a');
    expect(truncateUtf8('a😡', 5)).toBe('a😡');
  });

  test('property: the longest prefix of whole code points that fits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.integer({ min: 0, max: 120 }), (text, max) => {
        const cut = truncateUtf8(text, max);
        expect(text.startsWith(cut)).toBe(true);
        expect(bytes(cut)).toBeLessThanOrEqual(max);
        const next = text.codePointAt(cut.length);
        if (next !== undefined) expect(bytes(cut + String.fromCodePoint(next))).toBeGreaterThan(max);
      }),
    );
  });
});

describe('ComprehendAnalyzer failures', () => {
  const text = 'My parcel is late and nobody answers the phone.';
  const failWith = (answer: Answer) => {
    comprehend.answer = () => answer;
  };

  test.each([
    ['ThrottlingException', true, throttling],
    ['TooManyRequestsException', true, tooManyRequests],
    ['InternalServerException (HTTP 500)', false, internalServer],
    ['a bare HTTP 503', false, { status: 503, body: {} }],
  ] as const)('%s → AnalyzerUnavailableError, throttled: %s', async (_name, throttled, answer) => {
    failWith(answer);
    const failure = await analyzerAt(endpoint).analyze(docs([text])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AnalyzerUnavailableError);
    expect((failure as AnalyzerUnavailableError).throttled).toBe(throttled);
  });

  test('the SDK retries a server error itself; calls counts the request once', async () => {
    failWith(internalServer);
    const analyzer = analyzerAt(endpoint, 3);
    await expect(analyzer.analyze(docs([text]))).rejects.toBeInstanceOf(AnalyzerUnavailableError);
    expect(comprehend.received).toHaveLength(3);
    expect(analyzer.calls).toBe(1);
  });

  test('a network failure → AnalyzerUnavailableError, not throttled', async () => {
    const closed = new FakeComprehend();
    const url = await closed.start();
    await closed.stop();
    const failure = await analyzerAt(url).analyze(docs([text])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AnalyzerUnavailableError);
    expect((failure as AnalyzerUnavailableError).throttled).toBe(false);
  });

  test('a request Comprehend rejects is an ordinary error that quotes nothing of the text', async () => {
    failWith(validation);
    const failure = await analyzerAt(endpoint).analyze(docs(['Where is my refund, Ana Lima, 12 Rua Augusta'])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(AnalyzerUnavailableError);
    expect((failure as Error).message).toMatch(/^Comprehend BatchDetect\w+ failed: ValidationException \(HTTP 400\)$/);
    expect((failure as Error).message).not.toMatch(/Ana|refund/);
  });
});
