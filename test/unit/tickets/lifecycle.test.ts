import fc from 'fast-check';
import { ticketStatuses, type TicketStatus } from '../../../events/ticket-status';
import { parseConfig } from '../../../shared/config';
import { openStatuses, placeMessage, type Ticket, ticketFromSeed } from '../../../shared/domain/ticket';
import type { Caller } from '../../../shared/http/caller';
import { HttpProblem } from '../../../shared/http/problem';
import { allowedTransitions, isFinal, lifecycleEdges, mayTransition, type Mover, statusTimestamps } from '../../../shared/tickets/lifecycle';
import { planUpdate } from '../../../shared/tickets/ticket-update';

const config = parseConfig({});
const movers: Mover[] = ['agent', 'supervisor', 'customer', 'system'];

describe('the lifecycle table', () => {
  test('exactly these edges, with who may take them', () => {
    expect(lifecycleEdges().map((e) => `${e.from}→${e.to}: ${e.by.join(',')}`)).toEqual([
      'new→open: agent,supervisor,system',
      'new→pending: agent,supervisor',
      'new→on-hold: agent,supervisor',
      'new→solved: agent,supervisor',
      'open→pending: agent,supervisor',
      'open→on-hold: agent,supervisor',
      'open→solved: agent,supervisor',
      'pending→open: agent,supervisor,customer',
      'pending→on-hold: agent,supervisor',
      'pending→solved: agent,supervisor',
      'on-hold→open: agent,supervisor',
      'on-hold→pending: agent,supervisor',
      'on-hold→solved: agent,supervisor',
      'solved→open: agent,supervisor,customer',
      'solved→closed: supervisor,system',
    ]);
  });

  test('nothing goes back to new; only closed is final; every open status can be solved by hand', () => {
    for (const from of ticketStatuses) for (const m of movers) expect(mayTransition(from, 'new', m)).toBe(false);
    expect(ticketStatuses.filter(isFinal)).toEqual(['closed']);
    for (const s of openStatuses) expect(allowedTransitions(s, 'agent')).toContain('solved');
  });

  test('a customer\'s message and the lifecycle agree: it reopens exactly what the customer may reopen', () => {
    for (const status of ticketStatuses) {
      const placement = placeMessage({ status, solvedAt: '2026-11-23T09:00:00.000Z' }, '2026-11-23T09:01:00.000Z', 86_400_000).kind;
      const customerMoves = mayTransition(status, 'open', 'customer');
      expect([status, placement === 'reopen' || placement === 'resume']).toEqual([status, customerMoves]);
    }
  });

  test('timestamps: solving stamps solvedAt, closing keeps it and stamps closedAt, reopening clears both', () => {
    expect(statusTimestamps({}, 'solved', 'T1')).toEqual({ set: { solvedAt: 'T1' }, remove: ['closedAt'] });
    expect(statusTimestamps({ solvedAt: 'T1' }, 'closed', 'T2')).toEqual({ set: { solvedAt: 'T1', closedAt: 'T2' }, remove: [] });
    expect(statusTimestamps({ solvedAt: 'T1' }, 'open', 'T3')).toEqual({ set: {}, remove: ['solvedAt', 'closedAt'] });
  });
});

/** A ticket replayed from its audit trail: status and timestamps as the recorded changes say. */
function replay(seed: Ticket, trail: readonly Ticket['lastChange'][]): Pick<Ticket, 'status' | 'solvedAt' | 'closedAt'> {
  let state: Pick<Ticket, 'status' | 'solvedAt' | 'closedAt'> = { status: seed.status };
  for (const change of trail) {
    if (!('status' in change.after)) continue;
    const to = change.after.status as TicketStatus;
    const stamps = statusTimestamps(state, to, change.at);
    const next: Record<string, unknown> = { ...state, status: to, ...stamps.set };
    for (const f of stamps.remove) delete next[f];
    state = next as typeof state;
  }
  return state;
}

describe('property: any sequence of requested operations', () => {
  const seed = ticketFromSeed({ ticketId: 'tkt_0123456789abcdef', customerId: 'cus_0123456789abcdef', channel: 'web', subject: 's', createdAt: '2026-11-23T09:00:00.000Z', messageId: 'web:1' });
  const callers: Record<string, Caller> = {
    alice: { sub: 'alice', groups: ['agent'] },
    bob: { sub: 'bob', groups: ['agent'] },
    lin: { sub: 'lin', groups: ['supervisor'] },
  };
  const op = fc.record({
    who: fc.constantFrom('alice', 'bob', 'lin'),
    status: fc.option(fc.constantFrom(...ticketStatuses), { nil: undefined }),
    assigneeId: fc.option(fc.constantFrom('alice', 'bob', null), { nil: undefined }),
    priority: fc.option(fc.constantFrom('low', 'normal', 'high', 'critical' as const), { nil: undefined }),
  });

  test('only allowed transitions happen, versions count every change, and the audit trail replays to the ticket', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let ticket: Ticket = seed;
        const trail: Ticket['lastChange'][] = [];
        ops.forEach((o, i) => {
          const patch = { ...(o.status ? { status: o.status } : {}), ...(o.assigneeId !== undefined ? { assigneeId: o.assigneeId } : {}), ...(o.priority ? { priority: o.priority } : {}) };
          if (Object.keys(patch).length === 0) return;
          const at = new Date(Date.parse(seed.createdAt) + (i + 1) * 60_000).toISOString();
          let plan;
          try {
            plan = planUpdate(ticket, callers[o.who], patch, config, at, o.assigneeId ? { agentId: o.assigneeId, exists: true } : undefined);
          } catch (error) {
            // Refusals are problem documents a client can act on, never a crash; and they change nothing.
            expect(error).toBeInstanceOf(HttpProblem);
            expect([400, 403, 409]).toContain((error as HttpProblem).problem.status);
            return;
          }
          if (!plan) return;
          if (plan.change.after.status !== undefined) {
            const mover: Mover = callers[o.who].groups.includes('supervisor') ? 'supervisor' : 'agent';
            expect(mayTransition(ticket.status, plan.change.after.status as TicketStatus, mover)).toBe(true);
          }
          const next: Record<string, unknown> = { ...ticket, ...plan.set, version: plan.change.version, lastChange: plan.change };
          for (const f of plan.remove) delete next[f];
          ticket = next as unknown as Ticket;
          trail.push(plan.change);
        });
        expect(ticketStatuses).toContain(ticket.status);
        expect(ticket.version).toBe(1 + trail.length);
        // solvedAt exactly while solved or closed; closedAt exactly while closed; nobody assigned to a closed ticket by hand.
        expect(ticket.solvedAt !== undefined).toBe(ticket.status === 'solved' || ticket.status === 'closed');
        expect(ticket.closedAt !== undefined).toBe(ticket.status === 'closed');
        expect(replay(seed, trail)).toEqual({ status: ticket.status, ...(ticket.solvedAt ? { solvedAt: ticket.solvedAt } : {}), ...(ticket.closedAt ? { closedAt: ticket.closedAt } : {}) });
      }),
      { numRuns: 500 },
    );
  });
});
