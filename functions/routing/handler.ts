import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { AgentAvailabilityChanged, TicketStatusChanged } from '../../events';
import { dispatchTo, finishTicket, isOpen } from '../../shared/workflow/assignment';
import { withPowertools } from '../commons/handler';
import { logger } from '../commons/powertools';
import { routingDeps } from '../commons/routing';

const deps = routingDeps();
const processor = new BatchProcessor(EventType.SQS);

/** Events, not polling: an agent who may take more work, or a ticket whose agent is now free. */
async function route(record: SQSRecord): Promise<void> {
  const event = JSON.parse(record.body) as { 'detail-type'?: string; detail?: unknown };
  if (event['detail-type'] === AgentAvailabilityChanged.detailType) {
    const { agentId } = AgentAvailabilityChanged.schema.parse(event.detail);
    const assigned = await dispatchTo(deps, agentId);
    logger.info('agent available', { agentId, assigned });
    return;
  }
  if (event['detail-type'] === TicketStatusChanged.detailType) {
    const change = TicketStatusChanged.schema.parse(event.detail);
    if (change.to !== 'solved' && change.to !== 'closed') return;
    const ticket = await deps.tickets.getTicket(change.ticketId);
    // Still finished when read: a ticket reopened since keeps its agent.
    if (ticket && !isOpen(ticket)) await finishTicket(deps, ticket);
    logger.info('ticket finished', { ticketId: change.ticketId, agentId: ticket?.assigneeId });
    return;
  }
  logger.warn('routing ignored an event it does not handle', { detailType: event['detail-type'] });
}

export const handler = withPowertools(async (event: SQSEvent, context) => processPartialResponse(event, route, processor, { context, throwOnFullBatchFailure: false }));
