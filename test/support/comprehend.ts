import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Amazon Comprehend's JSON protocol on a local port, for a real ComprehendClient pointed at it
 * (`endpoint`): records each request and answers with `answer`.
 */

export const DETECT = 'Comprehend_20171127.BatchDetectDominantLanguage';
export const SENTIMENT = 'Comprehend_20171127.BatchDetectSentiment';

export interface Received {
  readonly target: string;
  readonly contentType: string | undefined;
  readonly body: { TextList: string[]; LanguageCode?: string };
}
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** Every document answered in the documented shape: a neutral sentiment, or English. */
export function answerEveryDocument(request: Received): Answer {
  const ResultList = request.body.TextList.map((_, Index) =>
    request.target === DETECT
      ? { Index, Languages: [{ LanguageCode: 'en', Score: 0.99 }] }
      : { Index, Sentiment: 'NEUTRAL', SentimentScore: { Positive: 0.05, Negative: 0.05, Neutral: 0.89, Mixed: 0.01 } },
  );
  return { status: 200, body: { ResultList, ErrorList: [] } };
}

export class FakeComprehend {
  readonly received: Received[] = [];
  private server!: Server;

  constructor(public answer: (request: Received) => Answer = answerEveryDocument) {}

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const request: Received = { target: String(req.headers['x-amz-target']), contentType: req.headers['content-type'], body: JSON.parse(await bodyOf(req)) };
      this.received.push(request);
      const { status, body } = this.answer(request);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${this.received.length}` });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  requests(target: string): Received[] {
    return this.received.filter((request) => request.target === target);
  }
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

