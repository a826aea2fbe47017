import fc from 'fast-check';
import { type Ticket, ticketFromSeed } from '../../../shared/domain/ticket';
import type { Caller } from '../../../shared/http/caller';
import { checkMayLink, type LinkKind, MAX_LINKS_PER_TICKET, parseLinkRequest, planLink, planUnlink, reverseKind, shownLinkKinds } from '../../../shared/tickets/links';
import { problemOf } from '../../support/problems';

const seed = (ticketId: string): Ticket => ({
  ...ticketFromSeed({ ticketId, customerId: 'cus_0123456789abcdef', channel: 'web', subject: 's', createdAt: '2026-11-23T09:00:00.000Z', messageId: `web:${ticketId}` }),
  status: 'open',
  assigneeId: 'alice',
});
const A = 'tkt_000000000000000a';
const B = 'tkt_000000000000000b';
const alice: Caller = { sub: 'alice', groups: ['agent'] };
const bob: Caller = { sub: 'bob', groups: ['agent'] };
const lin: Caller = { sub: 'lin', groups: ['supervisor'] };
const root: Caller = { sub: 'root', groups: ['admin'] };
const AT = '2026-11-23T10:00:00.000Z';
const apply = (t: Ticket, plan: ReturnType<typeof planLink>): Ticket => (plan ? ({ ...t, ...plan.set, version: plan.change.version, lastChange: plan.change } as Ticket) : t);

describe('link requests', () => {
  test('another ticket\'s id and a kind; a ticket cannot link to itself (400 naming ticketId)', () => {
    expect(parseLinkRequest(JSON.stringify({ ticketId: B, kind: 'duplicate-of' }), A)).toEqual({ ticketId: B, kind: 'duplicate-of' });
    expect(problemOf(() => parseLinkRequest(JSON.stringify({ ticketId: A, kind: 'related' }), A)).errors).toEqual([{ field: 'ticketId', message: expect.any(String) }]);
    expect(problemOf(() => parseLinkRequest('{"ticketId":"tkt_1","kind":"duplicated-by","note":1}', A)).errors?.map((e) => e.field).sort()).toEqual(['(body)', 'kind', 'ticketId']);
  });

  test('who links: the ticket\'s workers (its agent, a supervisor), not another agent or an admin', () => {
    expect(() => checkMayLink(seed(A), alice)).not.toThrow();
    expect(() => checkMayLink(seed(A), lin)).not.toThrow();
    expect(problemOf(() => checkMayLink(seed(A), bob)).status).toBe(403);
    expect(problemOf(() => checkMayLink(seed(A), root)).status).toBe(403);
  });
});

describe('planning a link', () => {
  test('a new link is a ticket.linked change with the link; the same link again is none', () => {
    const plan = planLink(seed(A), B, 'duplicate-of', alice, AT)!;
    expect(plan.set).toEqual({ links: [{ ticketId: B, kind: 'duplicate-of', linkedAt: AT, linkedBy: 'alice' }] });
    expect(plan.change).toMatchObject({ action: 'ticket.linked', version: 2, actor: { type: 'agent', id: 'alice' }, before: { link: null }, after: { link: { ticketId: B, kind: 'duplicate-of' } } });
    expect(planLink(apply(seed(A), plan), B, 'duplicate-of', lin, AT)).toBeUndefined();
  });

  test('a link of another kind to the same ticket changes kind; there is one link per pair', () => {
    const linked = apply(seed(A), planLink(seed(A), B, 'related', alice, AT));
    const plan = planLink(linked, B, 'duplicate-of', alice, AT)!;
    expect(plan.set.links).toEqual([{ ticketId: B, kind: 'duplicate-of', linkedAt: AT, linkedBy: 'alice' }]);
    expect(plan.change).toMatchObject({ before: { link: { ticketId: B, kind: 'related' } }, after: { link: { ticketId: B, kind: 'duplicate-of' } } });
  });

  test(`at most ${MAX_LINKS_PER_TICKET} links: one more is a 409; changing the kind of one held is not`, () => {
    let t = seed(A);
    for (let i = 0; i < MAX_LINKS_PER_TICKET; i++) t = apply(t, planLink(t, `tkt_${String(i).padStart(16, '0')}`, 'related', alice, AT));
    expect(problemOf(() => planLink(t, B, 'related', alice, AT))).toMatchObject({ status: 409, type: 'urn:switchboard:problem:too-many-links', limit: MAX_LINKS_PER_TICKET });
    expect(planLink(t, 'tkt_0000000000000003', 'duplicate-of', alice, AT)).toBeDefined();
  });

  test('unlinking removes it; unlinking what is not there is no change', () => {
    const linked = apply(seed(A), planLink(seed(A), B, 'related', alice, AT));
    const plan = planUnlink(linked, B, alice, AT)!;
    expect(plan.set).toEqual({ links: [] });
    expect(plan.change).toMatchObject({ action: 'ticket.linked', before: { link: { ticketId: B, kind: 'related' } }, after: { link: null } });
    expect(planUnlink(seed(A), B, alice, AT)).toBeUndefined();
  });

  test('the reverse of a kind: duplicate-of ⇄ duplicated-by, related both ways', () => {
    expect(shownLinkKinds.map(reverseKind)).toEqual(['related', 'duplicated-by', 'duplicate-of']);
    for (const kind of shownLinkKinds) expect(reverseKind(reverseKind(kind))).toBe(kind);
  });

  test('any sequence of links and unlinks applied to both sides leaves the two tickets mirroring each other', () => {
    // Each step, from either ticket: link as a kind, or unlink (null).
    const step = fc.option(fc.constantFrom<LinkKind>('related', 'duplicate-of'));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), step), { maxLength: 30 }), (steps) => {
        let a = seed(A);
        let b = seed(B);
        for (const [fromA, s] of steps) {
          const [here, there] = fromA ? [a, b] : [b, a];
          const next = s
            ? [apply(here, planLink(here, there.ticketId, s, alice, AT)), apply(there, planLink(there, here.ticketId, reverseKind(s), alice, AT))]
            : [apply(here, planUnlink(here, there.ticketId, alice, AT)), apply(there, planUnlink(there, here.ticketId, alice, AT))];
          [a, b] = fromA ? next : [next[1]!, next[0]!];
        }
        expect((a.links ?? []).length).toBe((b.links ?? []).length);
        expect((a.links ?? []).length).toBeLessThanOrEqual(1);
        if (a.links?.length) expect(b.links![0]!.kind).toBe(reverseKind(a.links[0]!.kind));
      }),
    );
  });
});
