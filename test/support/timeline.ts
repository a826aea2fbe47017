/** A ticket detail's timeline, split as tests look at it. */

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests' own view of a JSON answer */
type Detail = { timeline: readonly ({ type: string } & Record<string, any>)[] } | any;

/** The conversation: customer messages and replies (with notifications), in timeline order. */
export const conversation = (detail: Detail): any[] => detail.timeline.filter((e: { type: string }) => e.type === 'message' || e.type === 'reply');

/** The audit entries, in timeline order. */
export const auditOf = (detail: Detail): any[] => detail.timeline.filter((e: { type: string }) => e.type === 'audit');

export const notesOf = (detail: Detail): any[] => detail.timeline.filter((e: { type: string }) => e.type === 'note');
