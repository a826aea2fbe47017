import { HttpProblem } from '../../shared/http/problem';
import { parseTicketId } from '../../shared/tickets/ticket-detail';

describe('parseTicketId', () => {
  test('a ticket id passes', () => {
    expect(parseTicketId('tkt_0123456789abcdef')).toBe('tkt_0123456789abcdef');
  });

  test.each([undefined, '', 'tkt_', 'tkt_0123456789ABCDEF', 'tkt_0123456789abcdef0', 'cus_0123456789abcdef', '../tkt_0123456789abcdef'])(
    '%j is a 404, not a 400 or 500',
    (id) => {
      try {
        parseTicketId(id);
      } catch (error) {
        expect(error).toBeInstanceOf(HttpProblem);
        expect((error as HttpProblem).problem.status).toBe(404);
        return;
      }
      throw new Error('expected a rejection');
    },
  );
});
