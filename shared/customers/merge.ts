import type { TicketSeed } from '../domain/ticket';
import { type HttpProblem, problems } from '../http/problem';
import { type AttributeValue, type CustomerRecord, MAX_ATTRIBUTES, type ProfileEdit, profileEdit, sortedKeys } from './customer';

/**
 * Merging two customers who are one person (a new phone number, two channels before they were
 * recognised): the source's identities and tickets become the target's, and the source points at
 * the target (`mergedInto`), so whoever meets its id follows. Pure decisions; the service runs the
 * steps, each idempotent, so a retried request finishes a merge a crash interrupted.
 */

/** Where a merge request stands: refused, to be started, or started before (and to be finished). */
export type MergeStart = { readonly kind: 'start' } | { readonly kind: 'resume' };

/**
 * Whether `source` may be merged into `target`: both must exist; a customer is not merged into
 * itself, nor into a merged or erased one, nor is a merged or erased one merged again. A source
 * already merged into this target is a merge to finish (a retry after a crash), not a conflict.
 */
export function checkMerge(targetId: string, sourceId: string, target: CustomerRecord | undefined, source: CustomerRecord | undefined): MergeStart | HttpProblem {
  if (!target) return problems.notFound(`There is no customer ${targetId}.`);
  if (sourceId === targetId) {
    return problems.conflict('merge-not-allowed', 'The customer cannot be merged into itself', `sourceCustomerId is ${targetId} itself. Name the other customer record of the same person.`);
  }
  if (!source) return problems.notFound(`There is no customer ${sourceId} (sourceCustomerId) to merge.`);
  if (target.mergedInto) {
    return problems.conflict('merge-not-allowed', 'The target was merged into another customer', `Customer ${targetId} was merged into ${target.mergedInto}: merge into that one instead.`, {
      mergedInto: target.mergedInto,
    });
  }
  if (target.erasedAt) return problems.conflict('merge-not-allowed', 'The target was erased', `Customer ${targetId} was erased on ${target.erasedAt}; nothing can be merged into it.`);
  if (source.mergedInto === targetId) return { kind: 'resume' };
  if (source.mergedInto) {
    return problems.conflict('merge-not-allowed', 'The source was already merged', `Customer ${sourceId} was merged into ${source.mergedInto}. Merge ${source.mergedInto} instead.`, {
      mergedInto: source.mergedInto,
    });
  }
  if (source.erasedAt) return problems.conflict('merge-not-allowed', 'The source was erased', `Customer ${sourceId} was erased on ${source.erasedAt}; there is nothing to merge.`);
  return { kind: 'start' };
}

/**
 * The target's profile after the merge: the target's own fields win, the source's fill the gaps
 * (a name, tier, language or notes the target lacks; attribute keys it does not have, up to
 * MAX_ATTRIBUTES in all).
 */
export function mergedProfile(target: CustomerRecord, source: CustomerRecord): ProfileEdit {
  const next: Record<string, unknown> = {};
  for (const field of ['displayName', 'tier', 'language', 'notes'] as const) {
    if (target[field] === undefined && source[field] !== undefined) next[field] = source[field];
  }
  const attributes: Record<string, AttributeValue> = { ...(target.attributes ?? {}) };
  for (const [key, value] of Object.entries(source.attributes ?? {})) {
    if (Object.keys(attributes).length >= MAX_ATTRIBUTES) break;
    if (!(key in attributes)) attributes[key] = value;
  }
  if (Object.keys(attributes).length > Object.keys(target.attributes ?? {}).length) next.attributes = sortedKeys(attributes);
  return profileEdit(target, next);
}

/**
 * The target's pointer at its current ticket after the merge: its own, or the source's (made the
 * target's) when it has none, so the source's open conversation goes on where the customer writes.
 */
export function mergedPointer(target: CustomerRecord, source: CustomerRecord): TicketSeed | undefined {
  if (target.currentTicket || !source.currentTicket) return undefined;
  return { ...source.currentTicket, customerId: target.customerId };
}
