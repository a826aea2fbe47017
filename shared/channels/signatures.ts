import { createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two strings (false, not an exception, when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const hmacSha256Hex = (secret: string, payload: string | Buffer): string => createHmac('sha256', secret).update(payload).digest('hex');
