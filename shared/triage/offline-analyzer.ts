import { sentimentLanguages, type TextAnalysis, type TextAnalyzer, type TextDocument } from './analyzer';
import { detectLanguage } from './language';
import { lexiconSentiment } from './lexicon-sentiment';

/** Languages the word lists score (traditional Chinese is folded onto simplified). */
const lexiconLanguages: ReadonlySet<string> = new Set(['en', 'zh', 'zh-TW']);
/** Latin-script text Comprehend would be asked about is taken to be English: offline there is no one to ask. */
const UNDECIDED_LANGUAGE = 'en';

/**
 * The analyzer of local mode and tests: no network. Languages are told as the Comprehend analyzer
 * tells them locally. English and Chinese get a word-list sentiment. Other languages Comprehend
 * could score get no sentiment (triage treats them as unscored); languages Comprehend cannot score
 * are marked unsupportedLanguage, as Comprehend's analyzer marks them.
 */
export class OfflineAnalyzer implements TextAnalyzer {
  constructor(private readonly options: { readonly defaultLanguage: string } = { defaultLanguage: 'en' }) {}

  async analyze(docs: readonly TextDocument[]): Promise<TextAnalysis[]> {
    return docs.map(({ id, text }) => {
      const analysis: TextAnalysis = { id, ...languageOf(text, this.options.defaultLanguage) };
      if (!sentimentLanguages.has(analysis.language)) return { ...analysis, unsupportedLanguage: true };
      if (!lexiconLanguages.has(analysis.language) || text.trim() === '') return analysis;
      return { ...analysis, sentiment: lexiconSentiment(text) };
    });
  }
}

/** Undecided text in a script other than Latin takes tinyld's guess; Latin-script text, English. */
function languageOf(text: string, defaultLanguage: string): Pick<TextAnalysis, 'language' | 'languageSource'> {
  const guess = detectLanguage(text, defaultLanguage);
  if (guess.source !== 'undecided') return { language: guess.language, languageSource: guess.source };
  return guess.likely ? { language: guess.likely, languageSource: 'local' } : { language: UNDECIDED_LANGUAGE, languageSource: 'default' };
}
