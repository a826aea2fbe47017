import { nameEntryOf } from '../customers/names';
import type { Customer } from '../ingest/ports';
import { keys } from './keys';

/**
 * A customer's name-search entry: one small item per named customer, filed in the byParent index
 * under the first characters of the normalized name (`CUSTOMER-NAME#<partition>` /
 * `<normalized name>#<customerId>`), so a name prefix is one Query and nothing scans. Written by
 * ingest for a new customer and by the customer API whenever the name or tier changes; removed on
 * merge and erasure. Undefined when the customer has no searchable name (or is merged or erased).
 */
export function nameEntryItem(customer: Customer & { readonly tier?: string }): Record<string, unknown> | undefined {
  const entry = customer.mergedInto || customer.erasedAt ? undefined : nameEntryOf(customer.displayName);
  if (!entry) return undefined;
  return {
    ...keys.customerName(customer.customerId),
    parentKey: keys.customerNameParent(entry.partition),
    childKey: keys.customerNameChild(entry.normalized, customer.customerId),
    customerId: customer.customerId,
    displayName: customer.displayName,
    ...(customer.tier !== undefined ? { tier: customer.tier } : {}),
  };
}
