import { randomBytes } from 'node:crypto';
import type { ProviderRequest, ProviderResponse, SesEmail, Transport } from '../channels/channel';

/**
 * Where replies go when nothing may leave the machine (local mode, tests): every provider request
 * is recorded, exactly as it would have been sent, and answered the way the provider answers a
 * success. Tests script failures with `respondWith`.
 */

export type OutboxEntry =
  | { readonly at: string; readonly kind: 'http'; readonly request: ProviderRequest }
  | { readonly at: string; readonly kind: 'ses'; readonly request: SesEmail };

/** A scripted answer: a response, an error to throw (a network failure), or undefined for the usual success. */
export type Responder = (entry: OutboxEntry) => ProviderResponse | Error | undefined;

const MAX_ENTRIES = 1000;
const id = (bytes: number) => randomBytes(bytes).toString('hex');

/** A provider's success answer, by its API's host. */
function successFor(request: ProviderRequest): ProviderResponse {
  const { hostname, pathname } = new URL(request.url);
  const json = (body: unknown): ProviderResponse => ({ status: 200, body: JSON.stringify(body) });
  switch (hostname) {
    case 'api.twilio.com':
      return { status: 201, body: JSON.stringify({ sid: `SM${id(16)}`, status: 'queued' }) };
    case 'graph.facebook.com':
      return json({ messaging_product: 'whatsapp', messages: [{ id: `wamid.${id(12)}` }] });
    case 'api.telegram.org':
      return json({ ok: true, result: { message_id: Number.parseInt(id(3), 16) } });
    case 'api.weixin.qq.com':
      return pathname.endsWith('token') ? json({ access_token: `local-${id(8)}`, expires_in: 7200 }) : json({ errcode: 0, errmsg: 'ok' });
    default:
      return json({});
  }
}

export class Outbox implements Transport {
  readonly entries: OutboxEntry[] = [];
  private responder: Responder | undefined;

  respondWith(responder: Responder | undefined): void {
    this.responder = responder;
  }

  clear(): void {
    this.entries.length = 0;
    this.responder = undefined;
  }

  async http(request: ProviderRequest): Promise<ProviderResponse> {
    const entry: OutboxEntry = { at: new Date().toISOString(), kind: 'http', request };
    const scripted = this.record(entry);
    if (scripted instanceof Error) throw scripted;
    return scripted ?? successFor(request);
  }

  async sendEmail(email: SesEmail): Promise<string> {
    const scripted = this.record({ at: new Date().toISOString(), kind: 'ses', request: email });
    if (scripted instanceof Error) throw scripted;
    return `local-${id(16)}`;
  }

  private record(entry: OutboxEntry) {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
    return this.responder?.(entry);
  }
}

/** The outbox of this process: local mode serves it at GET /dev/outbox. */
export const localOutbox = new Outbox();
