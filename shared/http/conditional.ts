import { problems } from './problem';

/**
 * Optimistic concurrency over HTTP: a resource's version is its strong ETag, and a write names the
 * version it was made against in If-Match.
 */

/** A strong ETag: the version, quoted. */
export const etagOf = (resource: { readonly version: number }): string => `"${resource.version}"`;

/**
 * If-Match: "*" (the resource must exist) or one ETag as a GET or a write gave it ("3", also W/"3"
 * or 3). Undefined when absent. Anything else is a 400 saying what to send.
 */
export function parseIfMatch(header: string | undefined, what = 'resource'): number | '*' | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value);
  if (!match) {
    throw problems.badRequest('If-Match is not valid.', [{ field: 'If-Match', message: `must be the ${what}'s ETag as an earlier answer gave it, like "3", or *` }]);
  }
  return Number(match[1]);
}

/** If-Match as a write that must not lose someone else's update requires it: a version, never absent. */
export function requireIfMatch(header: string | undefined, what: string, readAt: string): number {
  const version = parseIfMatch(header, what);
  if (version === undefined || version === '*') {
    throw problems.preconditionRequired(`Changing a ${what} needs If-Match with the ETag of the version you read (${readAt}), so a change made meanwhile is never overwritten.`);
  }
  return version;
}
