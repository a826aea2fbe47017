import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SESEvent } from 'aws-lambda';
import * as fc from 'fast-check';
import { inboundMessage, type InboundMessage } from '../../../events/inbound-message';
import type { OutboundReply, ParseContext, WebhookRequest } from '../../../shared/channels/channel';
import { cleanSubject, email, htmlToText, parseEmail, parseSesEmail, replySubject, trimQuotedReply } from '../../../shared/channels/email';
import { hmacSha256Hex } from '../../../shared/channels/signatures';
import { signWebRequest } from '../../../shared/channels/signatures';
import { HttpProblem } from '../../../shared/http/problem';
import { problemOfAsync } from '../../support/problems';
import { RecordingTransport } from '../../support/transport';

const SECRET = 'local-email-secret';
const NOW = new Date('2026-11-24T12:00:00.000Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);
const context: ParseContext = {
  secrets: { signingSecret: SECRET },
  now: NOW,
  maxClockSkewSeconds: 300,
  defaultPhoneRegion: 'US',
  settings: { enabled: true, from: 'support@shop.example.com', recipients: [] },
  receivedAt: NOW.toISOString(),
};

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'email', name));
const sesEvent = JSON.parse(fixture('ses-lambda-event.json').toString('utf8')) as SESEvent;
const SOURCE = { bucket: 'switchboard-inbound-example', key: `inbound/${sesEvent.Records[0]!.ses.mail.messageId}` };

/** A raw message from header lines and a body, CRLF as on the wire. */
function mime(headers: string[], body = 'Hello, my order has not arrived.'): Buffer {
  return Buffer.from(`${[...headers, '', body].join('\r\n')}\r\n`);
}
const plain = (extra: string[] = [], body?: string) =>
  mime(['From: Ana Chen <ana@example.com>', 'To: support@shop.example.com', 'Subject: Order 5521', 'Message-ID: <m1@example.com>', 'Date: Tue, 24 Nov 2026 10:00:00 +0000', ...extra], body);

function request(raw: Buffer, headers: Record<string, string> = {}, timestamp = nowSeconds): WebhookRequest {
  const signature = `sha256=${hmacSha256Hex(SECRET, Buffer.concat([Buffer.from(`${timestamp}.`), raw]))}`;
  return {
    method: 'POST',
    url: 'https://switchboard.example.com/webhooks/email',
    query: {},
    rawBody: raw,
    headers: { 'content-type': 'message/rfc822', 'x-switchboard-timestamp': String(timestamp), 'x-switchboard-signature': signature, ...headers },
  };
}

async function only(raw: Buffer, source?: { bucket: string; key: string }): Promise<InboundMessage> {
  const parsed = await parseEmail(raw, context, source);
  expect(parsed.ignored).toEqual([]);
  expect(parsed.messages).toHaveLength(1);
  return inboundMessage.parse(parsed.messages[0]);
}

describe('email channel signature', () => {
  const raw = fixture('gmail-reply.eml');

  test('a correctly signed, fresh request verifies', () => {
    expect(() => email.verify(request(raw), context)).not.toThrow();
  });

  test.each([
    ['no signature headers', { 'x-switchboard-signature': '', 'x-switchboard-timestamp': '' }],
    ['a signature made with another secret', signWebRequest('other-secret', raw.toString('utf8'), nowSeconds)],
    ['a signature of another body', signWebRequest(SECRET, 'From: someone@example.com\r\n\r\nHi', nowSeconds)],
    ['a malformed timestamp', { 'x-switchboard-timestamp': 'yesterday' }],
  ])('%s is 401', async (_name, headers) => {
    expect((await problemOfAsync(() => email.verify(request(raw, headers as Record<string, string>), context))).status).toBe(401);
  });

  test('a stale timestamp is 401, even correctly signed', async () => {
    expect((await problemOfAsync(() => email.verify(request(raw, {}, nowSeconds - 301), context))).status).toBe(401);
  });

  test('without a configured secret nothing verifies', async () => {
    const unsigned = { ...context, secrets: {} };
    expect((await problemOfAsync(() => email.verify(request(raw), unsigned))).status).toBe(401);
  });

  test('declares its content type and secret', () => {
    expect(email.contentTypes).toEqual(['message/rfc822']);
    expect(email.secretFields).toEqual(['signingSecret']);
  });
});

describe('email fixtures', () => {
  test('a Gmail reply becomes the full canonical message', async () => {
    const parsed = await email.parse(request(fixture('gmail-reply.eml')), context);
    expect(parsed).toEqual({
      ignored: [],
      messages: [
        {
          schemaVersion: 1,
          channel: 'email',
          providerMessageId: 'CAH8example+Qm2nX0kL@mail.gmail.com',
          customer: { handles: [{ kind: 'email', value: 'ana.chen@example.com' }], displayName: 'Ana Chen' },
          text: 'Damaged order\n\nThe replacement arrived today, but the lid is cracked as well. Photo attached.\n\nAna',
          attachments: [{ mediaId: 'CAH8example+Qm2nX0kL@mail.gmail.com#part=0', name: 'lid.jpg', contentType: 'image/jpeg', sizeBytes: 67 }],
          sentAt: '2026-11-23T09:05:12.000Z',
          receivedAt: NOW.toISOString(),
          rawRef: 'email:CAH8example+Qm2nX0kL@mail.gmail.com',
          replyTo: 'ana.chen@example.com',
          thread: { ticketId: 'tkt_0123456789abcdef', providerMessageIds: ['0100019a5f3c2b1d-5e1b7c9e-example-000000'] },
        },
      ],
    });
    expect(() => inboundMessage.parse(parsed.messages[0])).not.toThrow();
  });

  test.each([
    'gmail-reply.eml',
    'outlook-reply.eml',
    'zh-qq-reply.eml',
    'html-only.eml',
    'rfc5322-reply.eml',
    'rfc5322-reply-to-reply.eml',
    'ses-raw-attachment.eml',
    'ses-sns-content.eml',
  ])('%s satisfies the queue contract, with and without an S3 source', async (name) => {
    for (const source of [undefined, SOURCE]) {
      const { messages } = await parseEmail(fixture(name), context, source);
      expect(messages).toHaveLength(1);
      for (const m of messages) expect(inboundMessage.safeParse(m).success).toBe(true);
    }
  });

  test('an Outlook reply loses the From/Sent block and its RE: prefix', async () => {
    const m = await only(fixture('outlook-reply.eml'));
    expect(m.text).toBe('Invoice copy\n\nHello,\n\nThe invoice still shows the old VAT number. Could you reissue it?\n\nKind regards,\nDaniel');
    expect(m.customer).toEqual({ handles: [{ kind: 'email', value: 'daniel.okafor@contoso.example' }], displayName: 'Okafor, Daniel' });
    expect(m.thread).toEqual({ ticketId: 'tkt_00ff00ff00ff00ff', providerMessageIds: ['0100019a5f3c2b1d-aaaa-example-000000'] });
    expect(m.sentAt).toBe('2026-11-24T08:12:44.000Z');
  });

  test('a QQ Mail reply in Chinese: encoded name and subject, 回复： removed, 原始邮件 cut', async () => {
    const m = await only(fixture('zh-qq-reply.eml'));
    expect(m.customer.displayName).toBe('陈美');
    expect(m.text).toBe('订单退款\n\n你好，\n\n退款还没有到账，麻烦帮忙查一下。订单号 5521。\n\n谢谢！\n陈美');
    expect(m.thread?.ticketId).toBe('tkt_abcdef0123456789');
  });

  test('an HTML-only email becomes readable text without styles, scripts or comments', async () => {
    const m = await only(fixture('html-only.eml'));
    expect(m.text).toBe(
      'Question about my order\n\nHello,\n\nWhere is my order #5521? It was due on Friday & has not arrived.\n\n- Tracking: AB123 (https://track.example.org/AB123)\n- Size: M\n\nThanks,\nLena\n\nSent from my webmail',
    );
    expect(m.text).not.toMatch(/font-family|color|track\(|comment|Mail\n/);
  });

  test('RFC 5322 reply: Reply-To is where answers go; a 1997 Date falls back to receivedAt', async () => {
    const m = await only(fixture('rfc5322-reply.eml'));
    expect(m).toMatchObject({
      providerMessageId: '3456@example.net',
      customer: { handles: [{ kind: 'email', value: 'mary@example.net' }], displayName: 'Mary Smith' },
      replyTo: 'smith@home.example',
      text: 'Saying Hello\n\nThis is a reply to your hello.',
      sentAt: NOW.toISOString(),
      thread: { providerMessageIds: ['1234@local.machine.example'] },
    });
    expect(m.thread).not.toHaveProperty('ticketId');
  });

  test('RFC 5322 reply to a reply: References then In-Reply-To, most recent last, without duplicates', async () => {
    const m = await only(fixture('rfc5322-reply-to-reply.eml'));
    expect(m.thread?.providerMessageIds).toEqual(['1234@local.machine.example', '3456@example.net']);
    expect(m.replyTo).toBe('jdoe@machine.example');
  });

  test('SES raw-email example: no Message-ID, so the id is a hash of the bytes; the attachment is a reference', async () => {
    const raw = fixture('ses-raw-attachment.eml');
    const m = await only(raw);
    const hash = require('node:crypto').createHash('sha256').update(raw).digest('hex');
    expect(m.providerMessageId).toBe(`sha256:${hash}`);
    expect(m.attachments).toEqual([{ mediaId: `sha256:${hash}#part=0`, name: 'customers.txt', contentType: 'text/plain', sizeBytes: 133 }]);
    expect(m.text).toBe('Customer service contact info\n\nPlease see the attached file for a list of customers to contact.');
    expect(m.sentAt).toBe(NOW.toISOString());
    expect(m.customer.displayName).toBe('Sender Name');
    // A redelivery of the same bytes dedupes; another message does not collide.
    expect((await only(raw)).providerMessageId).toBe(m.providerMessageId);
    expect((await only(Buffer.concat([raw, Buffer.from('\r\n')]))).providerMessageId).not.toBe(m.providerMessageId);
  });

  test('SES notification example: the Date header becomes sentAt; the plain part wins over HTML', async () => {
    const m = await only(fixture('ses-sns-content.eml'));
    expect(m.sentAt).toBe('2019-09-06T18:52:14.000Z');
    expect(m.text).toBe('Amazon SES Test\n\nAmazon SES Test\nThis email was sent with Amazon SES.');
    expect(m.customer).toEqual({ handles: [{ kind: 'email', value: 'sender@example.com' }] });
  });
});

describe('email through SES', () => {
  const record = sesEvent.Records[0]!;
  const withVerdicts = (spam: string, virus: string) =>
    ({ ...record, ses: { ...record.ses, receipt: { ...record.ses.receipt, spamVerdict: { status: spam }, virusVerdict: { status: virus } } } }) as typeof record;

  test('a passing message is parsed with S3 references for the raw message and its attachments', async () => {
    const parsed = await parseSesEmail(fixture('ses-raw-attachment.eml'), record, SOURCE, context);
    const [m] = parsed.messages;
    const rawRef = `s3://${SOURCE.bucket}/${SOURCE.key}`;
    expect(m!.rawRef).toBe(rawRef);
    expect(m!.attachments).toEqual([{ url: `${rawRef}#part=0`, name: 'customers.txt', contentType: 'text/plain', sizeBytes: 133 }]);
    expect(inboundMessage.safeParse(m).success).toBe(true);
  });

  test('object keys are percent-encoded per segment so the URL stays valid', async () => {
    const { messages } = await parseEmail(fixture('ses-raw-attachment.eml'), context, { bucket: 'b', key: 'in box/a#1' });
    expect(messages[0]!.rawRef).toBe('s3://b/in%20box/a%231');
    expect(messages[0]!.attachments[0]!.url).toBe('s3://b/in%20box/a%231#part=0');
  });

  test.each([
    ['FAIL', 'PASS', 'spam'],
    ['PASS', 'FAIL', 'virus'],
    ['FAIL', 'FAIL', 'virus'],
  ])('spam %s / virus %s is ignored as %s without parsing', async (spam, virus, kind) => {
    // Not an email at all: parsing it would be a 400.
    expect(await parseSesEmail(Buffer.from('\u0000garbage'), withVerdicts(spam, virus), SOURCE, context)).toEqual({ messages: [], ignored: [kind] });
  });

  test.each(['GRAY', 'PROCESSING_FAILED', 'DISABLED'])('a %s spam verdict still creates the message', async (status) => {
    expect((await parseSesEmail(plain(), withVerdicts(status, 'PASS'), SOURCE, context)).messages).toHaveLength(1);
  });

  const withAuth = (auth: { spf: string; dkim: string; dmarc: string }) =>
    ({
      ...record,
      ses: { ...record.ses, receipt: { ...record.ses.receipt, spfVerdict: { status: auth.spf }, dkimVerdict: { status: auth.dkim }, dmarcVerdict: { status: auth.dmarc } } },
    }) as typeof record;
  const redirected = () => plain(['Reply-To: someone.else@elsewhere.example']);

  test('mail its sending domain disowns (DMARC FAIL) is dropped: a forged From would write on the customer\'s ticket', async () => {
    expect(await parseSesEmail(redirected(), withAuth({ spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' }), SOURCE, context)).toEqual({ messages: [], ignored: ['dmarc-fail'] });
  });

  test.each([
    ['PASS', 'FAIL', 'someone.else@elsewhere.example'],
    ['FAIL', 'PASS', 'someone.else@elsewhere.example'],
    ['FAIL', 'FAIL', 'ana@example.com'],
    ['GRAY', 'GRAY', 'ana@example.com'],
  ])('SPF %s / DKIM %s: replies go to %s (Reply-To only when SPF or DKIM vouches for the mail)', async (spf, dkim, replyTo) => {
    const [m] = (await parseSesEmail(redirected(), withAuth({ spf, dkim, dmarc: 'GRAY' }), SOURCE, context)).messages;
    expect(m!.replyTo).toBe(replyTo);
  });

  test('a record without receipt verdicts is parsed', async () => {
    expect((await parseSesEmail(plain(), {} as typeof record, SOURCE, context)).messages).toHaveLength(1);
  });

  test('a message SES would drop still throws a 400 problem for the SES function to log', async () => {
    const problem = await problemOfAsync(() => parseSesEmail(mime(['Subject: no sender']), record, SOURCE, context));
    expect(problem).toMatchObject({ status: 400, errors: [{ field: 'from', message: 'missing' }] });
  });
});

describe('auto-replies and bounces', () => {
  test('the Outlook automatic reply fixture is ignored', async () => {
    expect(await parseEmail(fixture('auto-reply.eml'), context)).toEqual({ messages: [], ignored: ['auto-reply'] });
  });

  test('the RFC 3464 delivery status notification is a bounce', async () => {
    expect(await parseEmail(fixture('rfc3464-dsn.eml'), context)).toEqual({ messages: [], ignored: ['bounce'] });
  });

  test('a multipart/report is a bounce whoever sends it', async () => {
    const dsn = fixture('rfc3464-dsn.eml').toString('utf8').replace('Mail Delivery Subsystem <MAILER-DAEMON@CS.UTK.EDU>', 'Relay <relay@cs.utk.edu>');
    expect((await parseEmail(Buffer.from(dsn), context)).ignored).toEqual(['bounce']);
  });

  test.each([
    ['Auto-Submitted: auto-replied', 'auto-reply'],
    ['Auto-Submitted: auto-generated', 'auto-reply'],
    ['Auto-Submitted: auto-notified; owner-email="me@example.com"', 'auto-reply'],
    ['Precedence: bulk', 'auto-reply'],
    ['Precedence: JUNK', 'auto-reply'],
    ['Precedence: list', 'auto-reply'],
    ['Precedence: auto_reply', 'auto-reply'],
    ['X-Autoreply: yes', 'auto-reply'],
    ['X-Autorespond: Out of office', 'auto-reply'],
    ['Content-Type: multipart/report; report-type=delivery-status; boundary="x"', 'bounce'],
  ])('%s → %s', async (header, kind) => {
    expect(await parseEmail(plain([header]), context)).toEqual({ messages: [], ignored: [kind] });
  });

  test.each(['MAILER-DAEMON@mx.example.net', 'mailer-daemon@googlemail.com', 'postmaster@outlook.example', 'Postmaster@anything.example'])(
    'mail from %s is a bounce',
    async (from) => {
      expect((await parseEmail(mime([`From: Mail System <${from}>`, 'Subject: Undeliverable']), context)).ignored).toEqual(['bounce']);
    },
  );

  test.each(['Auto-Submitted: no', 'Precedence: first-class', 'X-Auto-Response-Suppress: All'])('%s is a customer message', async (header) => {
    expect((await parseEmail(plain([header]), context)).messages).toHaveLength(1);
  });

  test('a customer whose address merely contains postmaster is not a bounce', async () => {
    const m = await only(mime(['From: not.a.postmaster@example.com', 'Subject: Hi']));
    expect(m.customer.handles).toEqual([{ kind: 'email', value: 'not.a.postmaster@example.com' }]);
  });
});

describe('malformed email', () => {
  test.each([
    ['no From', mime(['To: support@shop.example.com', 'Subject: Hi']), 'from', 'missing'],
    ['a From without an address', mime(['From: Ana Chen', 'Subject: Hi']), 'from', 'not a valid email address'],
    ['a From that is not an email address', mime(['From: <not-an-address>', 'Subject: Hi']), 'from', 'not a valid email address'],
    ['an empty body', Buffer.alloc(0), 'from', 'missing'],
    ['random bytes', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a, 0x0d]), 'from', undefined],
  ])('%s is 400 naming the field', async (_name, raw, field, message) => {
    const problem = await problemOfAsync(() => email.parse(request(raw), context));
    expect(problem.status).toBe(400);
    expect(problem.errors?.[0]?.field).toBe(field);
    if (message) expect(problem.errors?.[0]?.message).toBe(message);
  });

  test('headers beyond what the parser accepts are 400 on the body', async () => {
    const raw = Buffer.from(`From: ana@example.com\r\nX-Big: ${'a'.repeat(2_200_000)}\r\n\r\nHi\r\n`);
    const problem = await problemOfAsync(() => parseEmail(raw, context));
    expect(problem).toMatchObject({ status: 400, errors: [{ field: 'body' }] });
  });

  test('an email with neither subject, text nor attachment creates no ticket', async () => {
    expect(await parseEmail(mime(['From: ana@example.com'], ''), context)).toEqual({ messages: [], ignored: ['empty'] });
  });

  test('a subject alone is a message', async () => {
    expect((await only(mime(['From: ana@example.com', 'Subject: Call me back'], ''))).text).toBe('Call me back');
  });

  test('a body without subject is just the body', async () => {
    expect((await only(mime(['From: ana@example.com'], 'Where is my parcel?'))).text).toBe('Where is my parcel?');
  });
});

describe('limits and normalization', () => {
  test('text is clamped to 65,536 characters', async () => {
    const m = await only(plain([], 'x'.repeat(70_000)));
    expect(m.text).toHaveLength(65_536);
  });

  test('a display name is clamped to 200 characters', async () => {
    const m = await only(mime([`From: "${'N'.repeat(300)}" <ana@example.com>`, 'Subject: Hi']));
    expect(m.customer.displayName).toHaveLength(200);
  });

  test('an overlong Message-ID is replaced by its hash', async () => {
    const raw = plain().toString('utf8').replace('<m1@example.com>', `<${'a'.repeat(300)}@example.com>`);
    const m = await only(Buffer.from(raw));
    expect(m.providerMessageId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test('at most 20 attachments, each a reference with name, type and size', async () => {
    const parts = Array.from({ length: 25 }, (_, i) => [
      '--b',
      `Content-Type: application/pdf; name="doc${i}.pdf"`,
      `Content-Disposition: attachment; filename="doc${i}.pdf"`,
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(`pdf ${i}`).toString('base64'),
    ].join('\r\n'));
    const raw = mime(['From: ana@example.com', 'Subject: Docs', 'Message-ID: <docs@example.com>', 'Content-Type: multipart/mixed; boundary="b"'], ['--b', 'Content-Type: text/plain', '', 'See attached.', ...parts, '--b--'].join('\r\n'));
    const m = await only(raw);
    expect(m.attachments).toHaveLength(20);
    expect(m.attachments[19]).toEqual({ mediaId: 'docs@example.com#part=19', name: 'doc19.pdf', contentType: 'application/pdf', sizeBytes: 6 });
  });

  test('at most 20 thread ids, the most recent kept', async () => {
    const refs = Array.from({ length: 30 }, (_, i) => `<r${i}@example.com>`).join(' ');
    const m = await only(plain([`References: ${refs}`, 'In-Reply-To: <r29@example.com>']));
    expect(m.thread?.providerMessageIds).toHaveLength(20);
    expect(m.thread?.providerMessageIds[0]).toBe('r10@example.com');
    expect(m.thread?.providerMessageIds[19]).toBe('r29@example.com');
  });

  test('In-Reply-To is moved last when References lists it earlier', async () => {
    const m = await only(plain(['References: <a@x.example> <b@x.example>', 'In-Reply-To: <a@x.example>']));
    expect(m.thread?.providerMessageIds).toEqual(['b@x.example', 'a@x.example']);
  });

  test('SES message ids lose their amazonses.com domain, so they match the MessageId a delivery recorded', async () => {
    const m = await only(plain(['References: <0100019a-aaaa-000000@email.amazonses.com> <0102019a-bbbb-000000@eu-west-1.amazonses.com> <x@notamazonses.com>']));
    expect(m.thread?.providerMessageIds).toEqual(['0100019a-aaaa-000000', '0102019a-bbbb-000000', 'x@notamazonses.com']);
    const sent = plain().toString('utf8').replace('<m1@example.com>', '<0100019a-cccc-000000@us-east-1.amazonses.com>');
    expect((await only(Buffer.from(sent))).providerMessageId).toBe('0100019a-cccc-000000');
  });

  test('an id that is only an SES domain names nothing and is dropped', async () => {
    const m = await only(plain(['References: <a@x.example> <@email.amazonses.com>']));
    expect(m.thread?.providerMessageIds).toEqual(['a@x.example']);
  });

  test('a Message-ID without brackets is kept as it is', async () => {
    const raw = plain().toString('utf8').replace('<m1@example.com>', 'bare-id@example.com');
    expect((await only(Buffer.from(raw))).providerMessageId).toBe('bare-id@example.com');
  });

  test.each([
    ['a date more than a day ahead', 'Date: Fri, 27 Nov 2026 12:00:00 +0000', NOW.toISOString()],
    ['a date less than a day ahead (clock skew)', 'Date: Tue, 24 Nov 2026 20:00:00 +0000', '2026-11-24T20:00:00.000Z'],
    ['a date before 2000', 'Date: Fri, 31 Dec 1999 23:59:59 +0000', NOW.toISOString()],
    ['a date that is not a date', 'Date: sometime soon', NOW.toISOString()],
    ['a date with a zone', 'Date: Tue, 24 Nov 2026 18:30:00 +0800', '2026-11-24T10:30:00.000Z'],
  ])('sentAt for %s', async (_name, header, sentAt) => {
    const raw = plain().toString('utf8').replace('Date: Tue, 24 Nov 2026 10:00:00 +0000', header);
    expect((await only(Buffer.from(raw))).sentAt).toBe(sentAt);
  });

  test('sender and Reply-To addresses are lower-cased; an invalid Reply-To falls back to the sender', async () => {
    expect((await only(plain(['Reply-To: Billing <Billing@Example.COM>']))).replyTo).toBe('billing@example.com');
    expect((await only(plain(['Reply-To: nobody']))).replyTo).toBe('ana@example.com');
  });

  test('a From group uses its first member', async () => {
    const m = await only(mime(['From: Team: Ana <ana@example.com>, bo@example.com;', 'Subject: Hi']));
    expect(m.customer.handles).toEqual([{ kind: 'email', value: 'ana@example.com' }]);
  });
});

describe('subjects', () => {
  test.each([
    ['Re: Order 5521', 'Order 5521', undefined],
    ['RE: RE: Fwd: Order 5521', 'Order 5521', undefined],
    ['FW: Order 5521', 'Order 5521', undefined],
    ['Re[2]: Order 5521', 'Order 5521', undefined],
    ['AW: Bestellung', 'Bestellung', undefined],
    ['回复: 订单问题', '订单问题', undefined],
    ['回复：订单问题', '订单问题', undefined],
    ['转发: 发票', '发票', undefined],
    ['答复: 退款', '退款', undefined],
    ['Re: Damaged order [#tkt_0123456789abcdef]', 'Damaged order', 'tkt_0123456789abcdef'],
    ['[#tkt_0123456789ABCDEF] Re: Damaged order', 'Damaged order', 'tkt_0123456789abcdef'],
    ['Re: [#tkt_0123456789abcdef]', '', 'tkt_0123456789abcdef'],
    ['Refund request', 'Refund request', undefined],
    ['Reply needed: refund', 'Reply needed: refund', undefined],
    ['Order   5521\tupdate', 'Order 5521 update', undefined],
    ['Ref [#tkt_123] short', 'Ref [#tkt_123] short', undefined],
  ])('%j → %j', (subject, text, ticketId) => {
    expect(cleanSubject(subject)).toEqual({ text, ...(ticketId ? { ticketId } : {}) });
  });
});

describe('trimQuotedReply', () => {
  test.each([
    ['Gmail, one line', 'Yes, please refund.\n\nOn Mon, Nov 23, 2026 at 4:58 PM Shop <support@shop.example.com> wrote:\n> Shall we refund?', 'Yes, please refund.'],
    ['Gmail, wrapped over two lines', 'Thanks!\n\nOn Mon, Nov 23, 2026 at 4:58 PM Shop Support <support@shop.example.com>\nwrote:\n\n> Hi', 'Thanks!'],
    ['Gmail, wrapped inside the address', 'Thanks!\n\nOn Mon, Nov 23, 2026 at 4:58 PM Shop Support <support@shop.example.c\nom> wrote:\n> Hi', 'Thanks!'],
    ['Apple Mail', 'Sounds good.\n\nSent from my iPhone\n\nOn 23 Nov 2026, at 16:58, Shop Support <support@shop.example.com> wrote:\n\n> Hi', 'Sounds good.\n\nSent from my iPhone'],
    ['Thunderbird', 'Fine by me.\n\nOn 23/11/2026 16:58, Shop Support wrote:\n> Hi', 'Fine by me.'],
    ['Outlook separator', 'Please call me.\n\n-----Original Message-----\nFrom: Shop Support\nSent: Monday', 'Please call me.'],
    ['Outlook From/Sent block', 'Please call me.\n\nFrom: Shop Support <support@shop.example.com>\nSent: Monday, November 23, 2026 4:58 PM\nTo: Ana\nSubject: RE: Order', 'Please call me.'],
    ['Outlook block in bold (HTML turned to text)', 'Noted.\n\n*From:* Shop Support <support@shop.example.com>\n*Sent:* Monday, November 23, 2026 4:58 PM\n*To:* Ana', 'Noted.'],
    ['new Outlook From/Date block', 'Noted.\n\nFrom: Shop Support <support@shop.example.com>\nDate: Monday, 23 November 2026 at 16:58\nTo: Ana', 'Noted.'],
    ['a line of underscores', 'See attached.\n\n________________________________\nFrom: Shop Support\nSent: Monday', 'See attached.'],
    ['Chinese 163 Mail', '收到，谢谢。\n\n在 2026-11-23 16:58:00，"客服" <support@shop.example.com> 写道：\n>您好，退款已处理。', '收到，谢谢。'],
    ['Chinese, wrapped over two lines', '好的。\n\n在 2026年11月23日 星期一 16:58，客服 <support@shop.example.com>\n写道：\n> 您好', '好的。'],
    ['Chinese with ASCII colon', '好的。\n在 2026/11/23 16:58, support@shop.example.com 写道:\n> 您好', '好的。'],
    ['Traditional Chinese', '謝謝。\n\n於 2026年11月23日 下午4:58，客服 <support@shop.example.com> 寫道：\n> 您好', '謝謝。'],
    ['QQ Mail original message', '请尽快处理。\n\n------------------ 原始邮件 ------------------\n发件人: "客服"<support@shop.example.com>;\n发送时间: 2026年11月23日', '请尽快处理。'],
    ['Chinese Outlook separator', '请尽快处理。\n\n-----原始邮件-----\n发件人: 客服\n发送时间: 2026年11月23日', '请尽快处理。'],
    ['Foxmail 发件人 block', '已付款。\n\n发件人：客服\n发送时间：2026-11-23 16:58\n收件人：陈美', '已付款。'],
    ['French', 'Merci.\n\nLe lun. 23 nov. 2026 à 16:58, Support <support@shop.example.com> a écrit :\n> Bonjour', 'Merci.'],
    ['German', 'Danke.\n\nAm Mo., 23. Nov. 2026 um 16:58 Uhr schrieb Support <support@shop.example.com>:\n> Hallo', 'Danke.'],
    ['trailing quoted lines without a header', 'I agree.\n\n> Shall we refund?\n> Thanks', 'I agree.'],
    ['CRLF line ends', 'Yes.\r\n\r\nOn Mon, Nov 23, 2026 at 4:58 PM Shop wrote:\r\n> Hi\r\n', 'Yes.'],
  ])('%s', (_name, text, expected) => {
    expect(trimQuotedReply(text)).toBe(expected);
  });

  test.each([
    ['no quoted history', 'Hello,\n\nMy order has not arrived.\n\nAna'],
    ['interleaved answers keep the quotes they answer', '> What is the order number?\n5521\n> And the size?\nM, please.'],
    ['a sentence that starts with On and says wrote, without a date', 'On reflection, here is what my manager wrote:\nplease cancel it.'],
    ['a From: line without Sent:', 'From: my office address\nPlease reply to the address above.'],
    ['a short line of underscores', 'Sign here: __________\nThanks'],
  ])('keeps the text when there is %s', (_name, text) => {
    expect(trimQuotedReply(text)).toBe(text);
  });

  test('a forwarded message is content, not history', () => {
    const text = 'Please look at this charge.\n\n---------- Forwarded message ---------\nFrom: Bank <alerts@bank.example>\nDate: Mon, 23 Nov 2026 at 09:00\nSubject: Charge\n\nYou were charged $50.';
    expect(trimQuotedReply(text)).toBe(text);
  });

  test('a reply with only quoted text falls back to the whole text rather than nothing', () => {
    expect(trimQuotedReply('> only a quote\n> nothing else')).toBe('> only a quote\n> nothing else');
  });

  test('a bottom-posted reply (header first) falls back to the whole text', () => {
    const text = 'On Mon, Nov 23, 2026 at 4:58 PM Shop wrote:\n> Shall we refund?\n\nYes please.';
    expect(trimQuotedReply(text)).toBe(text);
  });

  test('blank input stays blank', () => {
    expect(trimQuotedReply('  \n \n')).toBe('');
    expect(trimQuotedReply('')).toBe('');
  });

  test('leading blank lines and trailing whitespace go, the customer\'s words stay intact', () => {
    expect(trimQuotedReply('\n\n  Indented first line\nsecond  \n\n')).toBe('  Indented first line\nsecond');
  });

  test('never returns nothing for a text that has words', () => {
    const line = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('> quoted', 'On Mon, Nov 23, 2026 Shop wrote:', 'From: a', 'Sent: b', '发件人: 客服', '-----Original Message-----', '_'.repeat(20), ''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = lines.join('\n');
        expect(trimQuotedReply(text).trim().length > 0).toBe(text.trim().length > 0);
      }),
      { numRuns: 500 },
    );
  });

  test('runs in linear time on a huge text', () => {
    const start = Date.now();
    trimQuotedReply(`${'On '.repeat(200_000)}\n${'> x\n'.repeat(100_000)}`);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});

describe('htmlToText', () => {
  test.each([
    ['paragraphs and line breaks', '<p>One</p><p>Two<br>Three</p>', 'One\n\nTwo\nThree'],
    ['styles in the body', '<style>.a{color:red}</style><p>Hi</p>', 'Hi'],
    ['scripts, even unclosed', '<p>Hi</p><script>alert(1)', 'Hi'],
    ['scripts with markup inside', '<script>document.write("<p>x</p>")</script>Hi', 'Hi'],
    ['comments and Outlook conditionals', '<!--[if mso]><style>x{}</style><![endif]-->Hi<!-- unclosed', 'Hi'],
    ['head with title', '<html><head><title>Subject</title><meta charset="utf-8"></head><body>Hi</body></html>', 'Hi'],
    ['a head left open', '<html><head><meta charset="utf-8"><body>Hi</body>', 'Hi'],
    ['entities, named and numeric', 'Fish &amp; chips &lt;3 &#8364;5 &#x1F600; &nbsp;done &unknown;', 'Fish & chips <3 €5 😀 done &unknown;'],
    ['escaped markup stays text', '&lt;script&gt;alert(1)&lt;/script&gt;', '<script>alert(1)</script>'],
    ['a literal less-than', 'a < b and 3<4', 'a < b and 3<4'],
    ['links keep their target once', '<a href="https://x.example/a">here</a> <a href="https://x.example/b">https://x.example/b</a> <a href="mailto:a@x.example">a@x.example</a>', 'here (https://x.example/a) https://x.example/b a@x.example'],
    ['javascript links are not shown', '<a href="javascript:evil()">click</a>', 'click'],
    ['table cells', '<table><tr><td>Size</td><td>M</td></tr><tr><td>Qty</td><td>2</td></tr></table>', 'Size M\nQty 2'],
    ['source whitespace collapses', '<p>Hello\n   world\t!</p>', 'Hello world !'],
    ['invalid code points', '&#0;&#xD800;&#1114112;', '\ufffd\ufffd\ufffd'],
  ])('%s', (_name, html, text) => {
    expect(htmlToText(html)).toBe(text);
  });

  test.each([
    ['many unclosed tags', '<a '.repeat(200_000)],
    ['many unclosed comments', '<!--'.repeat(200_000)],
    ['many stray less-thans', '<1'.repeat(200_000)],
    ['many unclosed scripts', '<script>'.repeat(100_000)],
    ['many anchors', '<a href="https://x.example">x'.repeat(50_000)],
  ])('runs in linear time on %s', (_name, html) => {
    const start = Date.now();
    htmlToText(html);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});

describe('acknowledge and reply address', () => {
  test('202 with the accepted ids and the ignored kinds', async () => {
    const parsed = await email.parse(request(fixture('gmail-reply.eml')), context);
    expect(email.acknowledge(parsed)).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accepted: ['CAH8example+Qm2nX0kL@mail.gmail.com'], ignored: [] }),
    });
    expect(JSON.parse(email.acknowledge({ messages: [], ignored: ['auto-reply'] }).body!)).toEqual({ accepted: [], ignored: ['auto-reply'] });
  });

  test('replies go to the email handle', () => {
    const handles = [
      { kind: 'phone', value: '+14155550123' },
      { kind: 'email', value: 'ana@example.com' },
    ] as const;
    expect(email.replyAddress!(handles, {})).toBe('ana@example.com');
    expect(email.replyAddress!([{ kind: 'channel-user', value: 'web:1' }], {})).toBeUndefined();
  });
});

describe('email send', () => {
  const ok = () => RecordingTransport.sendingEmail(async () => '0100019a5f3c2b1d-5e1b7c9e-example-000000');
  const failing = (error: unknown) => RecordingTransport.sendingEmail(async () => Promise.reject(error));
  const settings = { enabled: true, from: 'support@shop.example.com', recipients: [] };
  const reply: OutboundReply = {
    replyId: 'rpl_1',
    ticketId: 'tkt_0123456789abcdef',
    to: 'ana.chen@example.com',
    text: 'Hi Ana, a new lid is on its way.',
    subject: 'Damaged order',
    inReplyTo: 'CAH8example+Qm2nX0kL@mail.gmail.com',
  };
  const sesError = (name: string | undefined, message: string, httpStatusCode?: number) =>
    Object.assign(new Error(message), name === undefined ? {} : { name }, httpStatusCode ? { $metadata: { httpStatusCode } } : {});

  test('builds the SES v2 SendEmail input and returns SES\'s MessageId', async () => {
    const transport = ok();
    const result = await email.send!(reply, { secrets: { signingSecret: SECRET }, settings, transport });
    expect(result).toEqual({ ok: true, providerMessageId: '0100019a5f3c2b1d-5e1b7c9e-example-000000' });
    expect(transport.emails).toEqual([
      {
        FromEmailAddress: 'support@shop.example.com',
        Destination: { ToAddresses: ['ana.chen@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Re: Damaged order [#tkt_0123456789abcdef]', Charset: 'UTF-8' },
            Body: { Text: { Data: 'Hi Ana, a new lid is on its way.', Charset: 'UTF-8' } },
            Headers: [
              { Name: 'In-Reply-To', Value: '<CAH8example+Qm2nX0kL@mail.gmail.com>' },
              { Name: 'References', Value: '<CAH8example+Qm2nX0kL@mail.gmail.com>' },
            ],
          },
        },
      },
    ]);
  });

  test('without inReplyTo there are no custom headers', async () => {
    const transport = ok();
    const { inReplyTo: _omit, ...notification } = reply;
    await email.send!(notification, { secrets: {}, settings, transport });
    expect(transport.emails[0]!.Content.Simple).not.toHaveProperty('Headers');
  });

  test.each([
    ['<already@bracketed.example>', '<already@bracketed.example>'],
    ['sha256:0123abcd', undefined],
    ['bad id\r\nBcc: victim@example.com', undefined],
  ])('inReplyTo %j threads as %j', async (inReplyTo, header) => {
    const transport = ok();
    await email.send!({ ...reply, inReplyTo }, { secrets: {}, settings, transport });
    const headers = transport.emails[0]!.Content.Simple.Headers;
    if (header) expect(headers).toEqual([{ Name: 'In-Reply-To', Value: header }, { Name: 'References', Value: header }]);
    else expect(headers).toBeUndefined();
  });

  test.each([
    ['Damaged order', 'Re: Damaged order [#tkt_0123456789abcdef]'],
    ['Re: Damaged order', 'Re: Damaged order [#tkt_0123456789abcdef]'],
    ['RE: Damaged order [#tkt_0123456789abcdef]', 'RE: Damaged order [#tkt_0123456789abcdef]'],
    ['Damaged\r\norder', 'Re: Damaged order [#tkt_0123456789abcdef]'],
    ['', 'Re: [#tkt_0123456789abcdef]'],
  ])('subject %j → %j', (subject, expected) => {
    expect(replySubject(subject, 'tkt_0123456789abcdef')).toBe(expected);
  });

  test.each([null, undefined, ''])('from %j is a permanent failure naming the setting', async (from) => {
    const transport = ok();
    const result = await email.send!(reply, { secrets: {}, settings: { ...settings, from }, transport });
    expect(result).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining('channels.email.from is not configured') });
    expect(transport.emails).toHaveLength(0);
  });

  test('a reply address that is not an email is a permanent failure', async () => {
    const result = await email.send!({ ...reply, to: '+14155550123' }, { secrets: {}, settings, transport: ok() });
    expect(result).toMatchObject({ ok: false, retryable: false });
  });

  test.each([
    ['MessageRejected', 'Email address is not verified.', 400, false],
    ['MailFromDomainNotVerifiedException', 'The MAIL FROM domain is not verified.', 400, false],
    ['AccountSuspendedException', 'The account is suspended.', 400, false],
    ['SendingPausedException', 'Sending is paused.', 400, false],
    ['BadRequestException', 'Invalid header value.', 400, false],
    ['NotFoundException', 'Configuration set does not exist.', 404, false],
    ['TooManyRequestsException', 'Too many requests.', 429, true],
    ['LimitExceededException', 'Maximum sending rate exceeded.', 400, true],
    ['ThrottlingException', 'Rate exceeded', 400, true],
    ['InternalFailure', 'Internal failure.', 500, true],
    ['ServiceUnavailable', 'Service unavailable.', 503, true],
    ['AccessDeniedException', 'Not authorized to perform ses:SendEmail.', 403, false],
  ])('SES %s (%s, HTTP %s) → retryable %s', async (name, message, status, retryable) => {
    const result = await email.send!(reply, { secrets: {}, settings, transport: failing(sesError(name, message, status)) });
    expect(result).toEqual({ ok: false, retryable, reason: `SES ${name}: ${message}` });
  });

  test.each([
    ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a timeout', sesError('TimeoutError', 'Connection timed out after 5000 ms')],
    ['an error without a name', { message: 'fetch failed' }],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('%s is retryable', async (_name, error) => {
    const result = await email.send!(reply, { secrets: {}, settings, transport: failing(error) });
    expect(result).toMatchObject({ ok: false, retryable: true });
    if (!result.ok) expect(result.reason.startsWith('SES ')).toBe(true);
  });

  test('the reason is one short line', async () => {
    const result = await email.send!(reply, { secrets: {}, settings, transport: failing(sesError('MessageRejected', `line one\n${'x'.repeat(1000)}`, 400)) });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason.length).toBeLessThanOrEqual(300);
      expect(result.reason).not.toContain('\n');
    }
  });
});

describe('email fuzzing', () => {
  const fixtures = ['gmail-reply.eml', 'outlook-reply.eml', 'zh-qq-reply.eml', 'html-only.eml', 'ses-raw-attachment.eml', 'rfc3464-dsn.eml'].map(fixture);

  async function holds(raw: Buffer) {
    expect(() => email.verify(request(raw, { 'x-switchboard-signature': 'sha256=00' }), context)).toThrow(HttpProblem);
    try {
      for (const source of [undefined, SOURCE]) {
        const parsed = await parseEmail(raw, context, source);
        for (const m of parsed.messages) expect(inboundMessage.safeParse(m).success).toBe(true);
      }
    } catch (error) {
      expect(error).toBeInstanceOf(HttpProblem);
    }
  }

  test('random bytes end in messages that satisfy the contract or in a problem', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => holds(Buffer.from(bytes))), { numRuns: 200 });
  });

  test('mutated fixtures end in messages that satisfy the contract or in a problem', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fixtures),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }),
        fc.nat(),
        async (base, flips, cut) => {
          const raw = Buffer.from(base.subarray(0, 1 + (cut % base.length)));
          for (const [at, byte] of flips) raw[at % raw.length] = byte;
          await holds(raw);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('text-shaped random emails end in messages that satisfy the contract or in a problem', async () => {
    const header = fc.constantFrom('From', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'In-Reply-To', 'References', 'Content-Type', 'Auto-Submitted', 'Precedence');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(header, fc.string({ maxLength: 300 })), { maxLength: 12 }), fc.string({ maxLength: 2000 }), async (headers, body) => {
        await holds(mime(headers.map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, ' ')}`), body));
      }),
      { numRuns: 300 },
    );
  });
});
