import * as z from 'zod';
import { type CustomerHandle, customerHandle, handleKinds } from '../../events/inbound-message';
import { normalizePhone } from '../channels/phone';

/**
 * Handles as agents write them: normalized the way the channels normalize them (E.164 phones in the
 * configured default region, lower-cased emails, `<channel>:<id>` channel users), so a handle typed
 * by hand meets the one a channel brings. One string form names a handle in paths and searches:
 * `phone:+447700900123`, `email:ana@example.com`, and a channel user as itself, `telegram:12345`
 * (or `channel-user:telegram:12345`).
 */

export type HandleKind = (typeof handleKinds)[number];

/** A handle, normalized, or why the value cannot be one. */
export function normalizeHandle(kind: HandleKind, raw: string, region: string): { handle: CustomerHandle } | { error: string } {
  const value = raw.trim();
  switch (kind) {
    case 'phone': {
      const e164 = normalizePhone(value, region);
      return e164 ? { handle: { kind, value: e164 } } : { error: `not a valid phone number (numbers without a country code are read as ${region})` };
    }
    case 'email': {
      const email = value.toLowerCase();
      return customerHandle.safeParse({ kind, value: email }).success && email.length <= 254 ? { handle: { kind, value: email } } : { error: 'not a valid email address' };
    }
    case 'channel-user':
      return customerHandle.safeParse({ kind, value }).success
        ? { handle: { kind, value } }
        : { error: 'must be "<channel>:<the channel\'s user id>", like "telegram:12345" or "web:42"' };
  }
}

/** The one string that names a handle: in identity views, the DELETE path and searches. */
export const handleString = (h: CustomerHandle): string => (h.kind === 'channel-user' ? h.value : `${h.kind}:${h.value}`);

const explicitKind = /^(phone|email|channel-user):(.+)$/s;
const channelPrefix = /^[a-z][a-z0-9-]{1,31}:.+$/s;

/**
 * The handle a string names, or undefined when it names none: `phone:<any format>`,
 * `email:<address>`, `channel-user:<channel>:<id>` or `<channel>:<id>`. The value is normalized, so
 * `phone:+44 7700 900123` names `phone:+447700900123`.
 */
export function parseHandleString(text: string, region: string): { handle: CustomerHandle } | { error: string } | undefined {
  const explicit = explicitKind.exec(text);
  if (explicit) return normalizeHandle(explicit[1] as HandleKind, explicit[2]!, region);
  if (channelPrefix.test(text)) return normalizeHandle('channel-user', text, region);
  return undefined;
}

/** POST /customers/{id}/identities: the handle to add, as a channel would bring it. */
export const identityRequest = z.strictObject({
  kind: z.enum(handleKinds, { error: `must be one of ${handleKinds.join(', ')}` }),
  value: z.string().trim().min(1, 'must not be empty').max(254),
});
export type IdentityRequest = z.infer<typeof identityRequest>;
