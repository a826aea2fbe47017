import { BatchDetectDominantLanguageCommand, BatchDetectSentimentCommand, type ComprehendClient, type DominantLanguage, type LanguageCode } from '@aws-sdk/client-comprehend';
import { AnalyzerUnavailableError, sentimentLanguages, type Sentiment, type SentimentLabel, type TextAnalysis, type TextAnalyzer, type TextDocument } from './analyzer';
import { detectLanguage } from './language';

/** Documents per Batch* request. */
export const MAX_BATCH_DOCUMENTS = 25;
/** "Each document must contain fewer than 5,000 bytes of UTF-8 encoded characters." */
export const MAX_DOCUMENT_BYTES = 4_999;

const labels: ReadonlySet<string> = new Set<SentimentLabel>(['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED']);
const throttling = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

type Language = Pick<TextAnalysis, 'language' | 'languageSource'>;

/**
 * Amazon Comprehend as the analyzer. Languages that can be told locally are; only the rest go to
 * BatchDetectDominantLanguage. Sentiment is asked per language, 25 documents a request, one
 * request at a time: the batch APIs' request quotas are low and a triage batch needs few requests.
 */
export class ComprehendAnalyzer implements TextAnalyzer {
  /** Requests sent to Comprehend (the SDK's own retries of one request are not counted again). */
  calls = 0;

  constructor(
    private readonly client: ComprehendClient,
    private readonly options: { readonly defaultLanguage: string },
  ) {}

  async analyze(docs: readonly TextDocument[]): Promise<TextAnalysis[]> {
    const texts = docs.map((doc) => truncateUtf8(doc.text, MAX_DOCUMENT_BYTES));
    const languages = await this.languagesOf(texts);
    const sentiments = await this.sentimentsOf(texts, languages);
    return docs.map((doc, i) => {
      const { language, languageSource } = languages[i]!;
      const sentiment = sentiments.get(i);
      return {
        id: doc.id,
        language,
        languageSource,
        ...(sentiment && { sentiment }),
        ...(!sentimentLanguages.has(language) && { unsupportedLanguage: true as const }),
      };
    });
  }

  private async languagesOf(texts: readonly string[]): Promise<Language[]> {
    const { defaultLanguage } = this.options;
    const languages: (Language | undefined)[] = texts.map((text) => {
      const guess = detectLanguage(text, defaultLanguage);
      return guess.source === 'undecided' ? undefined : { language: guess.language, languageSource: guess.source };
    });
    const undecided = languages.flatMap((language, i) => (language ? [] : [i]));
    for (const batch of chunks(undecided, MAX_BATCH_DOCUMENTS)) {
      const response = await this.send('BatchDetectDominantLanguage', () =>
        this.client.send(new BatchDetectDominantLanguageCommand({ TextList: batch.map((i) => texts[i]!) })),
      );
      for (const result of response.ResultList ?? []) {
        const top = (result.Languages ?? []).reduce<DominantLanguage | undefined>((best, candidate) => ((candidate.Score ?? 0) > (best?.Score ?? -1) ? candidate : best), undefined);
        const docIndex = result.Index === undefined ? undefined : batch[result.Index];
        if (docIndex !== undefined && top?.LanguageCode) languages[docIndex] = { language: top.LanguageCode, languageSource: 'comprehend' };
      }
    }
    // Per-document errors (and results without a language) leave the default.
    return languages.map((language) => language ?? { language: defaultLanguage, languageSource: 'default' });
  }

  private async sentimentsOf(texts: readonly string[], languages: readonly Language[]): Promise<Map<number, Sentiment>> {
    const byLanguage = new Map<string, number[]>();
    texts.forEach((text, i) => {
      const { language } = languages[i]!;
      if (!sentimentLanguages.has(language) || text.trim() === '') return;
      const group = byLanguage.get(language);
      if (group) group.push(i);
      else byLanguage.set(language, [i]);
    });
    const sentiments = new Map<number, Sentiment>();
    for (const [language, indexes] of byLanguage) {
      for (const batch of chunks(indexes, MAX_BATCH_DOCUMENTS)) {
        const response = await this.send('BatchDetectSentiment', () =>
          this.client.send(new BatchDetectSentimentCommand({ LanguageCode: language as LanguageCode, TextList: batch.map((i) => texts[i]!) })),
        );
        // Documents in the ErrorList stay unscored.
        for (const result of response.ResultList ?? []) {
          const docIndex = result.Index === undefined ? undefined : batch[result.Index];
          const score = result.SentimentScore;
          if (docIndex === undefined || !score || !result.Sentiment || !labels.has(result.Sentiment)) continue;
          sentiments.set(docIndex, {
            label: result.Sentiment as SentimentLabel,
            scores: { positive: score.Positive ?? 0, negative: score.Negative ?? 0, neutral: score.Neutral ?? 0, mixed: score.Mixed ?? 0 },
          });
        }
      }
    }
    return sentiments;
  }

  /** Counts the request, and turns its failure into one that names no text: AWS validation messages can quote the input. */
  private async send<Output>(operation: string, request: () => Promise<Output>): Promise<Output> {
    this.calls++;
    try {
      return await request();
    } catch (error) {
      const { name = 'Error', code, $metadata } = (error ?? {}) as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
      const status = $metadata?.httpStatusCode;
      const what = `Comprehend ${operation} failed: ${code ?? name} (${status ? `HTTP ${status}` : 'no response'})`;
      if (throttling.has(name) || status === 429) throw new AnalyzerUnavailableError(what, true);
      // No response at all is the network: refused, reset, DNS, a timeout.
      if (status === undefined || status >= 500 || name === 'InternalServerException') throw new AnalyzerUnavailableError(what, false);
      throw new Error(what);
    }
  }
}

/** The longest start of the text that fits in maxBytes of UTF-8, cut between code points. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // a UTF-16 code unit never takes more than 3 bytes
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
