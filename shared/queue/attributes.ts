/**
 * The ingest queue's message attribute saying a message may already be stored (its sender placed it
 * and then failed): ingest republishes a stored message's events instead of treating it as a
 * provider's repeat. Its own module, so the consumer reads it without loading the SQS client.
 */
export const REDELIVERY_ATTRIBUTE = 'redelivery';
