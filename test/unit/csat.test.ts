import fc from 'fast-check';
import { csatBodyFormat, parseCsatAnswer } from '../../shared/csat/api';
import {
  agentCsatOf,
  csatRequestText,
  csatTemplate,
  type CsatToken,
  decideLink,
  hashToken,
  linkFor,
  newToken,
  shouldRequest,
  staleEntries,
  tokenPattern,
  withoutAgentCsat,
} from '../../shared/csat/csat';
import { decideScoreReply, MAX_REPLY_COMMENT, scoreFromReply } from '../../shared/csat/keyword';
import { parseConfig } from '../../shared/config';
import { HttpProblem } from '../../shared/http/problem';

describe('the link token', () => {
  it('is 256 random bits in base64url, 43 characters, never the same twice', () => {
    const tokens = Array.from({ length: 2000 }, () => newToken());
    for (const token of tokens) {
      expect(token).toMatch(tokenPattern);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('is stored as its SHA-256 only: 64 hex digits, the same for the same token, another for another', () => {
    const token = newToken(() => Buffer.alloc(32, 7));
    expect(token).toBe(Buffer.alloc(32, 7).toString('base64url'));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).not.toBe(hashToken(newToken()));
    expect(hashToken(token)).not.toContain(token);
  });

  it('makes the link under the API\'s base URL, with or without its trailing slash', () => {
    expect(linkFor('https://abc.execute-api.eu-west-1.amazonaws.com/', 'T')).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/csat/T');
    expect(linkFor('https://help.example.com/api', 'T')).toBe('https://help.example.com/api/csat/T');
  });
});

describe('what a link does', () => {
  const now = '2026-11-24T10:00:00.000Z';
  const token: CsatToken = { tokenHash: 'h', ticketId: 'tkt_1', customerId: 'cus_1', replyId: 'rpl_a', expiresAt: '2026-12-01T10:00:00.000Z' };
  const ticket = { ticketId: 'tkt_1', csatRequest: { replyId: 'rpl_a', requestedAt: now, channel: 'sms', sent: true } };

  it('records on the ticket of its current request', () => {
    expect(decideLink(token, ticket, now)).toBe('record');
  });
  it('says scored once the ticket has a score', () => {
    expect(decideLink(token, { ...ticket, csat: { score: 4, at: now, via: 'reply' } }, now)).toBe('scored');
  });
  it('is unknown, all alike, when it does not exist, has expired, or a newer request replaced it', () => {
    expect(decideLink(undefined, ticket, now)).toBe('unknown');
    expect(decideLink(token, ticket, token.expiresAt)).toBe('unknown');
    expect(decideLink(token, { ...ticket, csatRequest: { ...ticket.csatRequest, replyId: 'rpl_b' } }, now)).toBe('unknown');
    expect(decideLink(token, undefined, now)).toBe('unknown');
    expect(decideLink(token, { ...ticket, ticketId: 'tkt_2' }, now)).toBe('unknown');
  });
});

describe('a reply with just a score', () => {
  it.each([
    ['5', 5, undefined],
    ['  3  ', 3, undefined],
    ['５', 5, undefined],
    ['１ 太慢了', 1, '太慢了'],
    ['5 thanks!', 5, 'thanks!'],
    ['4. Quick, but I had to ask twice', 4, 'Quick, but I had to ask twice'],
    ['5!!!', 5, undefined],
    ['5/5', 5, undefined],
    ['5分，很满意', 5, '很满意'],
    ['4星', 4, undefined],
    ['2 - slow\nSent from my phone', 2, 'slow\nSent from my phone'],
  ])('%j is a score of %d', (text, score, comment) => {
    expect(scoreFromReply(text)).toEqual({ score, ...(comment ? { comment } : {}) });
  });

  it.each(['', '0', '6', '15', '55', '5.5', '5,000', '3-4', '5/10', '1) my parcel is still missing', '5 days later it broke again', '2 of them were broken', '3 more questions', 'five', 'I give it a 5', '#5', `5 ${'x'.repeat(MAX_REPLY_COMMENT + 1)}`, '５５', 'Ｘ5'])(
    '%j is not a score',
    (text) => {
      expect(scoreFromReply(text)).toBeUndefined();
    },
  );

  const separator = fc.constantFrom(' ', '  ', '. ', ', ', '! ', ' - ', '，', '。', '！', '\n', ': ');
  const comment = fc
    .string({ minLength: 1, maxLength: MAX_REPLY_COMMENT, unit: fc.constantFrom('a', 'b', 'Z', ' ', '!', '谢', '好', 'é', '?', '7', '\n') })
    .filter((c) => c.trim().length > 0 && !/^[\s.,!?:;~\-–—。，！？：；、～…]*\d/.test(c) && [...c.trim()].length <= MAX_REPLY_COMMENT);

  it('counts a lone score, optionally full-width, with or without a short comment after a separator', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.option(fc.tuple(separator, comment), { nil: undefined }), (score, fullWidth, tail) => {
        const digit = fullWidth ? String.fromCharCode(0xff10 + score) : String(score);
        const parsed = scoreFromReply(`${digit}${tail ? tail[0] + tail[1] : ''}`);
        expect(parsed?.score).toBe(score);
        if (tail) {
          const expected = (tail[0] + tail[1]).replace(/^[\s.,!?:;~\-–—。，！？：；、～…]+/u, '').trim();
          expect(parsed?.comment ?? '').toBe(expected);
        }
      }),
    );
  });

  it('counts nothing that does not start with a lone score from 1 to 5', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const first = text.trim().replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))[0];
        fc.pre(first === undefined || !/[1-5]/.test(first));
        expect(scoreFromReply(text)).toBeUndefined();
      }),
    );
  });

  it('counts nothing where the score runs into another digit: a larger number, a decimal, a range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.constantFrom('', '.', ',', '-', ' - ', '/', ' '), fc.integer({ min: 0, max: 9999 }), fc.string({ maxLength: 20 }), (score, joint, next, rest) => {
        expect(scoreFromReply(`${score}${joint}${next}${rest}`)).toBeUndefined();
      }),
    );
  });

  const solved = {
    status: 'solved' as const,
    csatRequest: { replyId: 'rpl_a', requestedAt: '2026-11-24T10:00:00.000Z', channel: 'sms', sent: true, linkedAt: '2026-11-24T10:00:01.000Z', expiresAt: '2026-12-01T10:00:01.000Z' },
  };
  const message = { messageId: 'sms:SM1', text: '5 thanks!', attachmentCount: 0, receivedAt: '2026-11-24T11:00:00.000Z' };

  it('records the score while the ticket is solved, asked with a link, unscored, and the request has not expired', () => {
    expect(decideScoreReply(solved, message)).toEqual({ kind: 'record', score: 5, comment: 'thanks!' });
    expect(decideScoreReply({ ...solved, status: 'open' }, message)).toBeUndefined();
    expect(decideScoreReply({ ...solved, status: 'closed' }, message)).toBeUndefined();
    expect(decideScoreReply({ ...solved, csat: { score: 3, at: message.receivedAt, via: 'link' } }, message)).toBeUndefined();
    expect(decideScoreReply({ status: 'solved' }, message)).toBeUndefined();
    // Recorded only (a call, a web form): the customer never saw it.
    const { linkedAt: _l, expiresAt: _e, ...unlinked } = solved.csatRequest;
    expect(decideScoreReply({ ...solved, csatRequest: { ...unlinked, sent: false } }, message)).toBeUndefined();
    expect(decideScoreReply(solved, { ...message, receivedAt: '2026-12-01T10:00:01.000Z' })).toBeUndefined();
    expect(decideScoreReply(solved, { ...message, receivedAt: '2026-11-24T10:00:00.500Z' })).toBeUndefined();
    expect(decideScoreReply(solved, { ...message, attachmentCount: 1 })).toBeUndefined();
    expect(decideScoreReply(solved, { ...message, text: 'It broke again' })).toBeUndefined();
  });

  it('finds the score this very message recorded, whatever the ticket is now (a retry finishes it)', () => {
    const csat = { score: 5 as const, at: message.receivedAt, via: 'reply' as const, messageId: message.messageId };
    expect(decideScoreReply({ ...solved, status: 'closed', csat }, message)).toEqual({ kind: 'recorded' });
    expect(decideScoreReply({ ...solved, csat }, { ...message, messageId: 'sms:SM2' })).toBeUndefined();
  });
});

describe('the request', () => {
  const { templates } = parseConfig({}).csat;

  it('is in the ticket\'s language, its base language, English, or else the first template', () => {
    expect(csatTemplate(templates, 'zh')).toBe(templates.zh);
    expect(csatTemplate(templates, 'zh-TW')).toBe(templates.zh);
    expect(csatTemplate(templates, 'es')).toBe(templates.en);
    expect(csatTemplate(templates, undefined)).toBe(templates.en);
    expect(csatTemplate({ 'zh-TW': 'A', zh: 'B', en: 'C' }, 'zh-TW')).toBe('A');
    expect(csatTemplate({ fr: 'Comment était-ce ? {link}' }, 'de')).toBe('Comment était-ce ? {link}');
  });

  it('names the ticket, keeps the link as a placeholder until it is sent, and says how to answer by reply', () => {
    const text = csatRequestText(templates.en!, 'tkt_5f1c0a3e9b7d2c41');
    expect(text).toContain('tkt_5f1c0a3e9b7d2c41');
    expect(text).toContain('{link}');
    expect(text).toMatch(/number from 1 .* to 5/);
    expect(csatRequestText(templates.zh!, 'tkt_1')).toMatch(/回复 1.*到 5/);
  });

  it('is sent to solved tickets without a score only', () => {
    expect(shouldRequest({ status: 'solved' })).toBe(true);
    expect(shouldRequest({ status: 'solved', csat: { score: 2, at: '2026-11-24T10:00:00.000Z', via: 'link' } })).toBe(false);
    expect(shouldRequest({ status: 'open' })).toBe(false);
  });

  it('has config defaults: on, seven days, the API\'s own URL; a template per language; bad values named', () => {
    expect(parseConfig({}).csat).toMatchObject({ enabled: true, tokenLifetime: 'P7D', linkBaseUrl: null });
    expect(() => parseConfig({ csat: { tokenLifetime: 'soon' } })).toThrow('csat.tokenLifetime');
    expect(() => parseConfig({ csat: { templates: {} } })).toThrow('csat.templates');
    expect(() => parseConfig({ csat: { linkBaseUrl: 'ftp://x' } })).toThrow('csat.linkBaseUrl');
  });
});

describe('an agent\'s counters', () => {
  it('sum up as a count, an average and a count per score; none before the first', () => {
    expect(agentCsatOf({ csatCount: 3, csatTotal: 12, csatScore5: 1, csatScore4: 1, csatScore3: 1 })).toEqual({ count: 3, average: 4, scores: { 1: 0, 2: 0, 3: 1, 4: 1, 5: 1 } });
    expect(agentCsatOf({ csatCount: 3, csatTotal: 10 })?.average).toBe(3.33);
    expect(agentCsatOf({ agentId: 'mei' })).toBeUndefined();
    expect(withoutAgentCsat({ agentId: 'mei', csatCount: 1, csatTotal: 5, csatScore5: 1, csatCounted: new Set(['x']) })).toEqual({ agentId: 'mei' });
  });

  it('keep a day of counted entries, pruning older ones', () => {
    const now = new Date('2026-11-25T12:00:00.000Z');
    expect(staleEntries(['2026-11-24T11:59:59.000Z|tkt_a', '2026-11-24T12:00:01.000Z|tkt_b', '2026-11-25T11:00:00.000Z|tkt_c'], now)).toEqual(['2026-11-24T11:59:59.000Z|tkt_a']);
  });
});

describe('POST /csat/{token} bodies', () => {
  const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const form = (body: string) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(body).toString('base64'), isBase64Encoded: true });
  const problemOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as HttpProblem).problem;
    }
    throw new Error('no problem');
  };

  it('take JSON or a form post; an empty comment is none', () => {
    expect(parseCsatAnswer(json({ score: 4, comment: ' Quick ' }), 'json')).toEqual({ score: 4, comment: 'Quick' });
    expect(parseCsatAnswer(json({ score: 1, comment: '' }), 'json')).toEqual({ score: 1 });
    expect(parseCsatAnswer(form('score=5&comment=%E5%BE%88%E5%A5%BD'), csatBodyFormat(form('')))).toEqual({ score: 5, comment: '很好' });
    expect(parseCsatAnswer(form('score=2&comment='), 'form')).toEqual({ score: 2 });
  });

  it.each([
    ['score 0', { score: 0 }, 'score'],
    ['score 6', { score: 6 }, 'score'],
    ['score 4.5', { score: 4.5 }, 'score'],
    ['score "5"', { score: '5' }, 'score'],
    ['no score', {}, 'score'],
    ['a comment of 2001 characters', { score: 5, comment: 'x'.repeat(2001) }, 'comment'],
    ['an unknown field', { score: 5, extra: 1 }, '(body)'],
  ])('%s is a 400 naming %s', (_label, body, field) => {
    const problem = problemOf(() => parseCsatAnswer(json(body), 'json'));
    expect(problem.status).toBe(400);
    expect(problem.errors!.map((e) => e.field)).toContain(field);
  });

  it('a form without a valid score names it; another content type is a 415', () => {
    expect(problemOf(() => parseCsatAnswer(form('score=ten'), 'form')).errors).toEqual([expect.objectContaining({ field: 'score' })]);
    expect(problemOf(() => parseCsatAnswer(form('comment=hi'), 'form')).errors).toEqual([expect.objectContaining({ field: 'score' })]);
    expect(problemOf(() => parseCsatAnswer(json('not json'), 'json')).status).toBe(400);
    expect(problemOf(() => csatBodyFormat({ headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });
});
