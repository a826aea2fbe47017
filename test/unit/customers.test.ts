import fc from 'fast-check';
import type { CustomerHandle } from '../../events/inbound-message';
import { applyProfilePatch, type CustomerRecord, MAX_ATTRIBUTES, parseCustomerId } from '../../shared/customers/customer';
import { identityView, parseCustomerPatch, parseMergeRequest, profileView } from '../../shared/customers/customer-api';
import { applyErasure, ERASED_SUBJECT, ERASED_VALUE, erasurePlan } from '../../shared/customers/erasure';
import { handleString, normalizeHandle, parseHandleString } from '../../shared/customers/handles';
import { checkMerge, mergedPointer, mergedProfile } from '../../shared/customers/merge';
import { namePartition, nameEntryOf, normalizeName } from '../../shared/customers/names';
import { classifyQuery, parseCustomerSearch } from '../../shared/customers/search';
import { HttpProblem } from '../../shared/http/problem';
import { problemOf } from '../support/problems';

const T0 = '2026-11-23T09:00:00.000Z';
const customer = (fields: Partial<CustomerRecord> = {}): CustomerRecord => ({ customerId: 'cus_0000000000000001', createdAt: T0, ...fields });

describe('names', () => {
  test.each([
    ['José Núñez', 'jose nunez'],
    ['JOSE NUNEZ', 'jose nunez'],
    ['  Jose-Nuñez ', 'jose nunez'],
    ['Ｍｅｉ　Ｃｈｅｎ', 'mei chen'],
    ['Søren Ørsted', 'soren orsted'],
    ['Straße', 'strasse'],
    ['İlkay', 'ilkay'],
    ["O'Brien", 'o brien'],
    // Listed traditional characters fold onto simplified ones; kana keep their voicing; Hangul stays whole.
    ['華美', '华美'],
    ['がっこう', 'がっこう'],
    ['김민준', '김민준'],
  ])('%s is filed as %s', (name, normalized) => {
    expect(normalizeName(name)).toBe(normalized);
  });

  test('the partition is the first two characters, or the first one of a CJK name', () => {
    expect(namePartition('mei chen')).toBe('me');
    expect(namePartition('王小明')).toBe('王');
    expect(namePartition('김민준')).toBe('김');
    expect(namePartition('m')).toBeUndefined();
    expect(nameEntryOf('Mei Chen')).toEqual({ partition: 'me', normalized: 'mei chen' });
    expect(nameEntryOf('!')).toBeUndefined();
    expect(nameEntryOf(undefined)).toBeUndefined();
  });

  const nameChar = fc.constantFrom(...'abcXYZéÉñÑøßœ -\'.,陳陈華华王明김민준がかっこう'.split(''), 'İ');
  const name = fc.array(nameChar, { maxLength: 20 }).map((cs) => cs.join(''));

  test('what someone types finds the name: a prefix of a name, normalized, is a prefix of the normalized name (property)', () => {
    fc.assert(
      fc.property(name, fc.nat(), (full, cut) => {
        const chars = [...full];
        const typed = chars.slice(0, cut % (chars.length + 1)).join('');
        expect(normalizeName(full).startsWith(normalizeName(typed))).toBe(true);
      }),
    );
  });

  test('normalizing is idempotent, and case and accents do not matter (property)', () => {
    fc.assert(
      fc.property(name, (n) => {
        expect(normalizeName(normalizeName(n))).toBe(normalizeName(n));
        expect(normalizeName(n.toUpperCase())).toBe(normalizeName(n.toLowerCase()));
        expect(normalizeName(n.normalize('NFD'))).toBe(normalizeName(n));
      }),
    );
  });
});

describe('search queries', () => {
  test.each([
    ['Ana@Example.COM', { kind: 'handle', handle: { kind: 'email', value: 'ana@example.com' } }],
    ['(415) 555-0123', { kind: 'handle', handle: { kind: 'phone', value: '+14155550123' } }],
    ['415.555.0123', { kind: 'handle', handle: { kind: 'phone', value: '+14155550123' } }],
    ['+44 20 7183 8750', { kind: 'handle', handle: { kind: 'phone', value: '+442071838750' } }],
    ['phone:+44 20 7183 8750', { kind: 'handle', handle: { kind: 'phone', value: '+442071838750' } }],
    ['telegram:12345', { kind: 'handle', handle: { kind: 'channel-user', value: 'telegram:12345' } }],
    ['channel-user:web:42', { kind: 'handle', handle: { kind: 'channel-user', value: 'web:42' } }],
    ['email:Ana@Example.com', { kind: 'handle', handle: { kind: 'email', value: 'ana@example.com' } }],
    ['Mé', { kind: 'name', prefix: 'me', partition: 'me' }],
    ['  José N ', { kind: 'name', prefix: 'jose n', partition: 'jo' }],
    ['王', { kind: 'name', prefix: '王', partition: '王' }],
  ])('%s asks for %j', (q, expected) => {
    expect(classifyQuery(q, 'US')).toEqual(expected);
  });

  test('a phone number without a country code is read in the default region', () => {
    expect(classifyQuery('020 7183 8750', 'GB')).toEqual({ kind: 'handle', handle: { kind: 'phone', value: '+442071838750' } });
  });

  test.each([
    ['a', /at least two letters/],
    ['!!', /must name something/],
    ['ana@', /not a valid email/],
    ['555 01', /not a valid phone number/],
    ['phone:12', /not a valid phone number/],
  ])('%s is a 400 naming q', (q, message) => {
    const problem = problemOf(() => classifyQuery(q, 'US'));
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: 'q', message: expect.stringMatching(message) }]);
  });

  test('the query string: q is required, limit bounded, nothing else', () => {
    expect(parseCustomerSearch({ q: 'mei', limit: '5' }, 'US')).toEqual({ query: { kind: 'name', prefix: 'mei', partition: 'me' }, limit: 5 });
    expect(parseCustomerSearch({ q: 'mei' }, 'US').limit).toBe(20);
    expect(problemOf(() => parseCustomerSearch(undefined, 'US')).errors).toEqual([{ field: 'q', message: expect.stringMatching(/is required/) }]);
    expect(problemOf(() => parseCustomerSearch({ q: '' }, 'US')).errors).toEqual([{ field: 'q', message: 'must not be empty' }]);
    expect(problemOf(() => parseCustomerSearch({ q: 'mei', limit: '0' }, 'US')).errors?.map((e) => e.field)).toEqual(['limit']);
    expect(problemOf(() => parseCustomerSearch({ q: 'mei', name: 'x' }, 'US')).errors).toEqual([{ field: 'name', message: 'is not a parameter; use q and limit' }]);
  });
});

describe('handles', () => {
  const handle: fc.Arbitrary<CustomerHandle> = fc.oneof(
    fc.constantFrom<CustomerHandle>({ kind: 'phone', value: '+14155550123' }, { kind: 'phone', value: '+442071838750' }, { kind: 'phone', value: '+8613812345678' }),
    fc.tuple(fc.stringMatching(/^[a-z0-9]{1,10}([._-][a-z0-9]{1,8})?$/), fc.constantFrom('example.com', 'mail.example.org')).map(([local, domain]): CustomerHandle => ({ kind: 'email', value: `${local}@${domain}` })),
    fc.tuple(fc.constantFrom('telegram', 'web', 'wechat', 'whatsapp'), fc.stringMatching(/^[A-Za-z0-9:/+_-]{1,40}$/)).map(([channel, id]): CustomerHandle => ({ kind: 'channel-user', value: `${channel}:${id}` })),
  );

  test('the string form names the same handle back (property)', () => {
    fc.assert(
      fc.property(handle, (h) => {
        expect(parseHandleString(handleString(h), 'US')).toEqual({ handle: h });
      }),
    );
  });

  test('normalized as the channels normalize them', () => {
    expect(normalizeHandle('phone', '+44 20 7183 8750', 'US')).toEqual({ handle: { kind: 'phone', value: '+442071838750' } });
    expect(normalizeHandle('email', ' Mei@Example.COM ', 'US')).toEqual({ handle: { kind: 'email', value: 'mei@example.com' } });
    expect(normalizeHandle('channel-user', 'telegram:12345', 'US')).toEqual({ handle: { kind: 'channel-user', value: 'telegram:12345' } });
    expect(normalizeHandle('channel-user', '12345', 'US')).toEqual({ error: expect.stringMatching(/<channel>:/) });
    expect(normalizeHandle('phone', 'call me', 'US')).toEqual({ error: expect.stringMatching(/not a valid phone number/) });
    expect(parseHandleString('Mei Chen', 'US')).toBeUndefined();
  });

  test('an identity shows its handle, and whether a channel brought it', () => {
    expect(identityView({ kind: 'phone', value: '+14155550123', customerId: 'c', firstSeenAt: T0, firstChannel: 'sms' })).toEqual({
      handle: 'phone:+14155550123',
      kind: 'phone',
      value: '+14155550123',
      verified: true,
      firstSeenAt: T0,
      firstChannel: 'sms',
    });
    expect(identityView({ kind: 'channel-user', value: 'telegram:1', customerId: 'c', verified: false, addedBy: 'alice', addedAt: T0 })).toMatchObject({ handle: 'telegram:1', verified: false });
  });
});

describe('customer ids and requests', () => {
  test('a malformed id is a customer that does not exist', () => {
    expect(parseCustomerId('cus_0123456789abcdef')).toBe('cus_0123456789abcdef');
    for (const bad of [undefined, 'cus_123', 'CUS_0123456789ABCDEF', 'tkt_0123456789abcdef', '../x']) expect(problemOf(() => parseCustomerId(bad)).status).toBe(404);
  });

  test('a profile change: strict, each bad field named', () => {
    expect(parseCustomerPatch('{"tier":"vip","attributes":{"plan":"gold","seats":3,"beta":true,"old":null}}')).toEqual({ tier: 'vip', attributes: { plan: 'gold', seats: 3, beta: true, old: null } });
    const problem = problemOf(() => parseCustomerPatch(JSON.stringify({ tier: 'VIP!', language: 'english', notes: 'x'.repeat(4001), attributes: { '1x': 1, ok: { nested: true } }, email: 'a@b.c' })));
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['(body)', 'attributes.1x', 'attributes.ok', 'language', 'notes', 'tier']);
    expect(problemOf(() => parseCustomerPatch('{}')).errors).toEqual([{ field: '(body)', message: expect.stringMatching(/name at least one/) }]);
    expect(problemOf(() => parseCustomerPatch('{"displayName":"   "}')).errors?.map((e) => e.field)).toEqual(['displayName']);
  });

  test('a merge request names a well-formed source id', () => {
    expect(parseMergeRequest('{"sourceCustomerId":"cus_0123456789abcdef"}')).toEqual({ sourceCustomerId: 'cus_0123456789abcdef' });
    expect(problemOf(() => parseMergeRequest('{"sourceCustomerId":"bob"}')).errors?.map((e) => e.field)).toEqual(['sourceCustomerId']);
  });
});

describe('profile edits', () => {
  test('fields sent are set, null removes, unchanged ones are left out', () => {
    const c = customer({ displayName: 'Mei', tier: 'gold', notes: 'prefers email' });
    expect(applyProfilePatch(c, { displayName: 'Mei Chen', tier: 'gold', notes: null, language: 'zh' })).toEqual({
      set: { displayName: 'Mei Chen', language: 'zh' },
      remove: ['notes'],
      before: { displayName: 'Mei', language: null, notes: 'prefers email' },
      after: { displayName: 'Mei Chen', language: 'zh', notes: null },
      fields: ['displayName', 'language', 'notes'],
    });
    expect(applyProfilePatch(c, { tier: 'gold', displayName: 'Mei' }).fields).toEqual([]);
    expect(applyProfilePatch(c, { language: null }).fields).toEqual([]);
  });

  test('attributes merge key by key; null removes a key; the last one removed removes them all', () => {
    const c = customer({ attributes: { plan: 'gold', seats: 3 } });
    expect(applyProfilePatch(c, { attributes: { seats: 4, beta: true } }).set).toEqual({ attributes: { beta: true, plan: 'gold', seats: 4 } });
    expect(applyProfilePatch(c, { attributes: { plan: null, seats: null } })).toMatchObject({ remove: ['attributes'], after: { attributes: null } });
    expect(applyProfilePatch(c, { attributes: { plan: 'gold' } }).fields).toEqual([]);
  });

  test(`at most ${MAX_ATTRIBUTES} attributes in all`, () => {
    const full = customer({ attributes: Object.fromEntries(Array.from({ length: MAX_ATTRIBUTES }, (_, i) => [`a${i}`, i])) });
    expect(problemOf(() => applyProfilePatch(full, { attributes: { more: 1 } })).errors).toEqual([{ field: 'attributes', message: expect.stringMatching(/at most 50/) }]);
    expect(applyProfilePatch(full, { attributes: { a0: null, more: 1 } }).fields).toEqual(['attributes']);
  });

  test('the view: version 1 when none is stored, no absent fields', () => {
    expect(profileView(customer({ currentTicket: { ticketId: 'tkt_1', customerId: 'c', channel: 'web', subject: 's', createdAt: T0, messageId: 'web:1' } }))).toEqual({
      customerId: 'cus_0000000000000001',
      attributes: {},
      createdAt: T0,
      version: 1,
      currentTicketId: 'tkt_1',
    });
  });
});

describe('merge plan', () => {
  const target = customer({ customerId: 'cus_000000000000000a', displayName: 'Mei Chen', attributes: { plan: 'gold' } });
  const source = customer({ customerId: 'cus_000000000000000b', displayName: 'Mei', tier: 'vip', notes: 'old number', attributes: { plan: 'basic', city: 'Paris' } });
  const status = (p: ReturnType<typeof checkMerge>) => (p instanceof HttpProblem ? [p.problem.status, p.problem.type.split(':').pop()] : p.kind);

  test('who may be merged into whom', () => {
    expect(status(checkMerge(target.customerId, source.customerId, target, source))).toBe('start');
    expect(status(checkMerge(target.customerId, source.customerId, target, { ...source, mergedInto: target.customerId }))).toBe('resume');
    expect(status(checkMerge(target.customerId, target.customerId, target, target))).toEqual([409, 'merge-not-allowed']);
    expect(status(checkMerge(target.customerId, source.customerId, { ...target, mergedInto: 'cus_000000000000000c' }, source))).toEqual([409, 'merge-not-allowed']);
    expect(status(checkMerge(target.customerId, source.customerId, { ...target, erasedAt: T0 }, source))).toEqual([409, 'merge-not-allowed']);
    expect(status(checkMerge(target.customerId, source.customerId, target, { ...source, mergedInto: 'cus_000000000000000c' }))).toEqual([409, 'merge-not-allowed']);
    expect(status(checkMerge(target.customerId, source.customerId, target, { ...source, erasedAt: T0 }))).toEqual([409, 'merge-not-allowed']);
    expect(status(checkMerge(target.customerId, source.customerId, undefined, source))).toEqual([404, 'not-found']);
    expect(status(checkMerge(target.customerId, source.customerId, target, undefined))).toEqual([404, 'not-found']);
  });

  test("the target's fields win; the source's fill the gaps", () => {
    expect(mergedProfile(target, source)).toMatchObject({
      set: { tier: 'vip', notes: 'old number', attributes: { city: 'Paris', plan: 'gold' } },
      fields: ['tier', 'notes', 'attributes'],
    });
    expect(mergedProfile(source, source).fields).toEqual([]);
  });

  test("the target keeps its current ticket, or takes the source's", () => {
    const seed = (id: string, customerId: string) => ({ ticketId: id, customerId, channel: 'web', subject: 's', createdAt: T0, messageId: `web:${id}` });
    expect(mergedPointer({ ...target, currentTicket: seed('tkt_a', target.customerId) }, { ...source, currentTicket: seed('tkt_b', source.customerId) })).toBeUndefined();
    expect(mergedPointer(target, { ...source, currentTicket: seed('tkt_b', source.customerId) })).toEqual(seed('tkt_b', target.customerId));
    expect(mergedPointer(target, source)).toBeUndefined();
  });
});

describe('erasure of one item', () => {
  const message = {
    pk: 'MESSAGE#web:m1',
    sk: 'MESSAGE',
    messageId: 'web:m1',
    ticketId: 'tkt_1',
    customerId: 'cus_1',
    channel: 'web',
    direction: 'inbound',
    text: 'My card 4111 is stolen',
    attachments: [{ url: 'https://x.example/a.jpg' }],
    customer: { handles: [{ kind: 'email', value: 'ana@example.com' }], displayName: 'Ana' },
    replyTo: 'ana@example.com',
    thread: { providerMessageIds: ['<abc@mail.example.com>'] },
    sentAt: T0,
    receivedAt: T0,
    events: [{ detailType: 'MessageReceived', detail: { eventId: 'e' } }],
  };
  const reply = {
    pk: 'REPLY#rpl_1',
    sk: 'REPLY',
    replyId: 'rpl_1',
    to: '+14155550123',
    text: 'We will call you',
    subject: 'My card',
    createdAt: T0,
    delivery: { status: 'failed', attempts: 1, at: T0, reason: 'invalid number +14155550123' },
  };
  const note = { pk: 'NOTE#n1', sk: 'NOTE', noteId: 'n1', body: 'Customer said she moved to Lyon', mentions: ['lin'], createdAt: T0 };
  const audit = { pk: 'TICKET#tkt_1', sk: `AUDIT#${T0}#000002`, action: 'ticket.updated', at: T0, version: 2, before: { subject: 'My card', status: 'new' }, after: { subject: 'Card', status: 'open' } };
  const ticket = {
    pk: 'TICKET#tkt_1',
    sk: 'TICKET',
    ticketId: 'tkt_1',
    status: 'solved',
    channel: 'web',
    priority: 'high',
    category: 'billing',
    subject: 'My card 4111 is stolen',
    createdAt: T0,
    solvedAt: T0,
    sla: { firstResponse: { dueAt: T0 } },
    csat: { score: 2, comment: 'Slow, ask for Ana', at: T0 },
    lastDelivery: { replyId: 'rpl_1', status: 'failed', at: T0, reason: 'invalid number +14155550123' },
    lastChange: { version: 3, action: 'ticket.updated', before: { subject: 'x' }, after: { subject: 'y' } },
    version: 3,
  };
  const csat = { pk: 'CSAT#tkt_1', sk: 'CSAT', ticketId: 'tkt_1', score: 2, comment: 'Slow', at: T0 };
  const AT = '2026-12-01T00:00:00.000Z';

  test('a customer message keeps its ids and times, loses text, attachments, sender and addresses', () => {
    const after = applyErasure(message, erasurePlan(message, AT));
    expect(after).toEqual({ ...message, text: '', attachments: [], customer: { handles: [] }, replyTo: undefined, thread: undefined, erasedAt: AT });
  });

  test('a reply loses its text, subject, recipient and the reason that quoted it; its delivery status stays', () => {
    expect(applyErasure(reply, erasurePlan(reply, AT))).toEqual({
      ...reply,
      text: '',
      subject: ERASED_SUBJECT,
      to: undefined,
      delivery: { status: 'failed', attempts: 1, at: T0 },
      erasedAt: AT,
    });
  });

  test('a note loses its body; an audit entry its personal values, not its field names', () => {
    expect(applyErasure(note, erasurePlan(note, AT))).toEqual({ ...note, body: '', erasedAt: AT });
    expect(applyErasure(audit, erasurePlan(audit, AT))).toEqual({ ...audit, before: { subject: ERASED_VALUE, status: 'new' }, after: { subject: ERASED_VALUE, status: 'open' }, erasedAt: AT });
  });

  test('sub-task titles go, on the ticket and in its audit entries; their status and assignee stay', () => {
    const withTasks = { ...ticket, tasks: [{ taskId: 'tsk_1', title: 'Call Mei Chen back on +447700900123', status: 'open', assigneeId: 'omar' }] };
    expect(applyErasure(withTasks, erasurePlan(withTasks, AT)).tasks).toEqual([{ taskId: 'tsk_1', title: ERASED_VALUE, status: 'open', assigneeId: 'omar' }]);
    const taskAudit = { ...audit, before: null, after: { task: { taskId: 'tsk_1', title: 'Call Mei Chen back', status: 'open' } } };
    expect(applyErasure(taskAudit, erasurePlan(taskAudit, AT)).after).toEqual({ task: { taskId: 'tsk_1', title: ERASED_VALUE, status: 'open' } });
  });

  test('a ticket keeps every metric (status, channel, priority, category, times, SLA, score)', () => {
    const after = applyErasure(ticket, erasurePlan(ticket, AT));
    expect(after).toEqual({
      ...ticket,
      subject: ERASED_SUBJECT,
      csat: { score: 2, at: T0 },
      lastDelivery: { replyId: 'rpl_1', status: 'failed', at: T0 },
      lastChange: { ...ticket.lastChange, before: { subject: ERASED_VALUE }, after: { subject: ERASED_VALUE } },
      erasedAt: AT,
    });
    expect(applyErasure(csat, erasurePlan(csat, AT))).toEqual({ ...csat, comment: undefined, erasedAt: AT });
  });

  test('an item with nothing personal is left alone, and erasing twice changes nothing more (property)', () => {
    expect(erasurePlan({ pk: 'TICKET#t', sk: `AUDIT#${T0}#000001`, action: 'ticket.created', before: null, after: { status: 'new', channel: 'web' } }, AT)).toBeUndefined();
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));
    const anyItem = fc.constantFrom<Record<string, unknown>>(message, reply, note, audit, ticket, csat).chain((base) =>
      fc.dictionary(fc.constantFrom('text', 'subject', 'to', 'status', 'score', 'body', 'category', 'replyTo', 'createdAt'), value, { maxKeys: 4 }).map((extra) => ({ ...base, ...extra })),
    );
    fc.assert(
      fc.property(anyItem, (item) => {
        const once = applyErasure(item, erasurePlan(item, AT));
        expect(erasurePlan(once, '2027-01-01T00:00:00.000Z')).toBeUndefined();
        for (const metric of ['status', 'channel', 'priority', 'category', 'createdAt', 'solvedAt', 'sla', 'score', 'version', 'ticketId', 'pk', 'sk']) expect(once[metric]).toEqual(item[metric]);
        expect(JSON.stringify(once)).not.toMatch(/4111|ana@example|\+1415|Lyon|Ana\b|stolen/);
      }),
    );
  });
});
