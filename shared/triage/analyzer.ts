/** What triage needs to know about a customer's text: its language and, where it can be scored, its sentiment. */

export interface TextDocument {
  readonly id: string;
  readonly text: string;
}

export type SentimentLabel = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL' | 'MIXED';

export interface Sentiment {
  readonly label: SentimentLabel;
  readonly scores: { readonly positive: number; readonly negative: number; readonly neutral: number; readonly mixed: number };
}

export interface TextAnalysis {
  readonly id: string;
  /** ISO 639-1, as Comprehend names languages (en, es, zh, zh-TW, …). */
  readonly language: string;
  /** Who decided the language: the script, the local detector, Comprehend, or nobody (too short: the configured default). */
  readonly languageSource: 'script' | 'local' | 'comprehend' | 'default';
  /** Absent when the text could not be scored: an unsupported language, an empty text, or a per-document error. */
  readonly sentiment?: Sentiment;
  /** The language is one Comprehend cannot score. */
  readonly unsupportedLanguage?: true;
}

export interface TextAnalyzer {
  /** One result per document, in the same order. */
  analyze(docs: readonly TextDocument[]): Promise<TextAnalysis[]>;
}

/** The analyzer cannot answer now (throttling, a server error, the network); retrying later may succeed. */
export class AnalyzerUnavailableError extends Error {
  constructor(
    message: string,
    readonly throttled: boolean,
  ) {
    super(message);
    this.name = 'AnalyzerUnavailableError';
  }
}

/** The languages Comprehend's DetectSentiment accepts. */
export const sentimentLanguages: ReadonlySet<string> = new Set(['en', 'es', 'fr', 'de', 'it', 'pt', 'ar', 'hi', 'ja', 'ko', 'zh', 'zh-TW']);
