import fc from 'fast-check';
import type { CustomerHandle } from '../../events/inbound-message';
import { ticketStatuses } from '../../events/ticket-status';
import { chooseCustomer, customerIdFor, handleKey, orderHandles, ticketIdFor } from '../../shared/domain/identity';
import { placeMessage, subjectOf } from '../../shared/domain/ticket';

const DAY = 86_400_000;
const solvedAt = '2026-11-23T10:00:00.000Z';
const after = (ms: number) => new Date(Date.parse(solvedAt) + ms).toISOString();

describe('placeMessage', () => {
  test('no current ticket → create', () => expect(placeMessage(undefined, solvedAt, DAY)).toEqual({ kind: 'create' }));
  test.each([
    ['new', 'join'],
    ['open', 'join'],
    ['pending', 'resume'],
    ['closed', 'create'],
  ] as const)('%s → %s', (status, kind) => expect(placeMessage({ status }, solvedAt, DAY).kind).toBe(kind));
  test('solved: reopen up to and including the window, create after it', () => {
    expect(placeMessage({ status: 'solved', solvedAt }, after(DAY), DAY).kind).toBe('reopen');
    expect(placeMessage({ status: 'solved', solvedAt }, after(DAY + 1), DAY).kind).toBe('create');
  });
  test('solved: a message sent before the solve but processed after it reopens', () => {
    expect(placeMessage({ status: 'solved', solvedAt }, after(-60_000), DAY).kind).toBe('reopen');
  });
  test('property: a message never joins a solved or closed ticket, and an open one is always joined', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ticketStatuses), fc.integer({ min: -DAY, max: 3 * DAY }), fc.integer({ min: 1, max: 7 * DAY }), (status, offset, window) => {
        const kind = placeMessage({ status, solvedAt }, after(offset), window).kind;
        if (status === 'solved' || status === 'closed') expect(kind).not.toBe('join');
        if (status === 'new' || status === 'open') expect(kind).toBe('join');
        if (status === 'solved') expect(kind).toBe(offset <= window ? 'reopen' : 'create');
      }),
    );
  });
});

const handleArb: fc.Arbitrary<CustomerHandle> = fc.oneof(
  fc.constantFrom('+14155550123', '+8613800138000', '+442071838750').map((value) => ({ kind: 'phone' as const, value })),
  fc.constantFrom('ana@example.com', 'li@example.cn').map((value) => ({ kind: 'email' as const, value })),
  fc.constantFrom('web:1', 'telegram:77').map((value) => ({ kind: 'channel-user' as const, value })),
);

describe('customer identity', () => {
  test('handles are ordered phone, email, channel user, without repeats', () => {
    expect(
      orderHandles([
        { kind: 'channel-user', value: 'web:1' },
        { kind: 'email', value: 'a@b.co' },
        { kind: 'phone', value: '+14155550123' },
        { kind: 'email', value: 'a@b.co' },
      ]).map(handleKey),
    ).toEqual(['phone#+14155550123', 'email#a@b.co', 'channel-user#web:1']);
  });

  test('a new customer\'s id derives from the strongest handle, whatever order the handles came in', () => {
    fc.assert(
      fc.property(fc.array(handleArb, { minLength: 1, maxLength: 6 }), (handles) => {
        const reversed = chooseCustomer([...handles].reverse(), new Map());
        const forward = chooseCustomer(handles, new Map());
        expect(forward.customerId).toBe(reversed.customerId);
        expect(forward).toMatchObject({ isNew: true, customerId: customerIdFor(orderHandles(handles)[0]), decidedBy: orderHandles(handles)[0] });
      }),
    );
  });

  test('a known handle decides the customer; the strongest known one wins; handles held by others are left alone', () => {
    const owners = new Map([
      ['email#ana@example.com', 'cus_email'],
      ['channel-user#web:1', 'cus_web'],
    ]);
    const choice = chooseCustomer(
      [
        { kind: 'channel-user', value: 'web:1' },
        { kind: 'email', value: 'ana@example.com' },
        { kind: 'phone', value: '+14155550123' },
      ],
      owners,
    );
    expect(choice).toEqual({
      customerId: 'cus_email',
      isNew: false,
      toClaim: [{ kind: 'phone', value: '+14155550123' }],
      decidedBy: { kind: 'email', value: 'ana@example.com' },
    });
  });

  test('ids are stable functions of their input', () => {
    expect(ticketIdFor('web:m1')).toBe(ticketIdFor('web:m1'));
    expect(ticketIdFor('web:m1')).not.toBe(ticketIdFor('web:m2'));
    expect(ticketIdFor('web:m1')).toMatch(/^tkt_[0-9a-f]{16}$/);
  });
});

describe('subjectOf', () => {
  test('first line, trimmed', () => expect(subjectOf('  Parcel late \nmore text', 0)).toBe('Parcel late'));
  test('long lines are cut on a character boundary with an ellipsis', () => {
    const subject = subjectOf('退'.repeat(100), 0);
    expect([...subject]).toHaveLength(80);
    expect(subject.endsWith('…')).toBe(true);
  });
  test('attachment-only and empty messages', () => {
    expect(subjectOf('', 1)).toBe('(attachment)');
    expect(subjectOf(' ', 0)).toBe('(no text)');
  });
});
