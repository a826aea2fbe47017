/**
 * Erasure (GDPR Art. 17 and the like): what one stored item keeps and loses. Items stay, with their
 * ids, timestamps and metrics (status, channel, priority, category, SLA, CSAT score), so reports
 * still add up; their personal content goes, and `erasedAt` marks them. Decided by attribute name,
 * so every kind of item on a timeline (customer messages, replies and notifications, notes, audit
 * entries, satisfaction entries) is covered by one rule, including kinds added later that use the
 * same names.
 */

/** What an erased ticket and reply show as their subject. */
export const ERASED_SUBJECT = '(erased)';
/** What an erased value shows in an audit entry's before/after. */
export const ERASED_VALUE = '(erased)';

/** Free text written by or about the customer: emptied (readers expect a string). */
const TEXT_ATTRIBUTES = ['text', 'body', 'transcript'] as const;
/** Addresses, references and names: removed. */
const REMOVED_ATTRIBUTES = ['to', 'replyTo', 'recipient', 'thread', 'displayName', 'name', 'notes', 'attributes', 'handles', 'email', 'phone', 'comment', 'feedback'] as const;
/** Nested attributes: a provider's failure reason may quote the recipient; a satisfaction score may come with a comment. */
const REMOVED_PATHS = [
  ['delivery', 'reason'],
  ['lastDelivery', 'reason'],
  ['csat', 'comment'],
] as const;
/** Audit values (before/after) that are personal: replaced by ERASED_VALUE, the field name kept. */
const PERSONAL_VALUES = new Set<string>(['subject', 'title', ...TEXT_ATTRIBUTES, ...REMOVED_ATTRIBUTES, 'value', 'handle', 'identity', 'reason']);

/** An UpdateItem's worth of erasure: attribute paths to set and to remove. */
export interface ErasurePlan {
  readonly set: ReadonlyArray<readonly [path: readonly string[], value: unknown]>;
  readonly remove: ReadonlyArray<readonly string[]>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A change's before/after with every personal value replaced, the field names kept. */
export function scrubValues(values: unknown): unknown {
  if (!isRecord(values)) return values;
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, PERSONAL_VALUES.has(k) && v !== null && v !== undefined ? ERASED_VALUE : isRecord(v) ? scrubValues(v) : Array.isArray(v) ? v.map(scrubValues) : v]),
  );
}

const scrubChange = (change: unknown): unknown =>
  isRecord(change) ? { ...change, ...('before' in change ? { before: scrubValues(change.before) } : {}), ...('after' in change ? { after: scrubValues(change.after) } : {}) } : change;

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What erasing one stored item changes, or undefined when nothing personal is left on it (so a
 * resumed erasure skips it). `at` is the erasure's time; an item erased before keeps its `erasedAt`.
 */
export function erasurePlan(item: Readonly<Record<string, unknown>>, at: string): ErasurePlan | undefined {
  const set: [string[], unknown][] = [];
  const remove: string[][] = [];
  for (const name of TEXT_ATTRIBUTES) if (typeof item[name] === 'string' && item[name] !== '') set.push([[name], '']);
  if (typeof item.subject === 'string' && item.subject !== ERASED_SUBJECT) set.push([['subject'], ERASED_SUBJECT]);
  if (Array.isArray(item.attachments) && item.attachments.length > 0) set.push([['attachments'], []]);
  // Sub-task titles on a ticket are written by agents about the customer's problem: they go too.
  if (Array.isArray(item.tasks) && item.tasks.some((t) => isRecord(t) && t.title !== ERASED_VALUE)) {
    set.push([['tasks'], item.tasks.map((t) => (isRecord(t) ? { ...t, title: ERASED_VALUE } : t))]);
  }
  // A stored customer message's sender: no handles, no name.
  if (isRecord(item.customer) && !sameJson(item.customer, { handles: [] })) set.push([['customer'], { handles: [] }]);
  for (const name of REMOVED_ATTRIBUTES) if (item[name] !== undefined) remove.push([name]);
  for (const path of REMOVED_PATHS) {
    const parent = item[path[0]];
    if (isRecord(parent) && parent[path[1]] !== undefined) remove.push([...path]);
  }
  // Audit entries, and the latest change a ticket or customer carries.
  for (const name of ['before', 'after'] as const) {
    if (isRecord(item[name]) && !sameJson(item[name], scrubValues(item[name]))) set.push([[name], scrubValues(item[name])]);
  }
  for (const name of ['lastChange', 'lastRouting'] as const) {
    if (isRecord(item[name]) && !sameJson(item[name], scrubChange(item[name]))) set.push([[name], scrubChange(item[name])]);
  }
  // A customer's pointer at their current ticket carries the ticket's first subject line.
  if (isRecord(item.currentTicket) && typeof item.currentTicket.subject === 'string' && item.currentTicket.subject !== ERASED_SUBJECT) {
    set.push([['currentTicket', 'subject'], ERASED_SUBJECT]);
  }
  if (set.length === 0 && remove.length === 0) return undefined;
  if (item.erasedAt === undefined) set.push([['erasedAt'], at]);
  return { set, remove };
}

/** The item as the plan leaves it (what the store's UpdateItem does), for tests and exports. */
export function applyErasure(item: Readonly<Record<string, unknown>>, plan: ErasurePlan | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(item) as Record<string, unknown>;
  if (!plan) return out;
  for (const [path, value] of plan.set) {
    if (path.length === 1) out[path[0]!] = value;
    else (out[path[0]!] as Record<string, unknown>)[path[1]!] = value;
  }
  for (const path of plan.remove) {
    if (path.length === 1) delete out[path[0]!];
    else delete (out[path[0]!] as Record<string, unknown>)[path[1]!];
  }
  return out;
}
