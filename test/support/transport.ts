import type { ProviderRequest, ProviderResponse, SesEmail, Transport } from '../../shared/channels/channel';

/** A provider's scripted answer to one request, or the error a failed network call throws. */
export type HttpAnswer = ProviderResponse | Error;

/**
 * A transport for channel tests: it records every provider request and SES email, as sent, and
 * answers provider requests from a script, in order. A request beyond the script fails like a
 * network error, so a test notices a call it did not expect. (Local mode's `Outbox` answers like a
 * provider's success instead, with generated ids.)
 */
export class RecordingTransport implements Transport {
  readonly requests: ProviderRequest[] = [];
  readonly emails: SesEmail[] = [];
  private readonly answers: HttpAnswer[];
  private sesOutcome: () => Promise<string> = () => Promise.reject(new Error('no SendEmail answer scripted'));

  constructor(...answers: HttpAnswer[]) {
    this.answers = answers;
  }

  /** A transport whose SendEmail calls end as `outcome` does: SES's MessageId, or a rejection (SDK errors are not always Errors). */
  static sendingEmail(outcome: () => Promise<string>): RecordingTransport {
    const transport = new RecordingTransport();
    transport.sesOutcome = outcome;
    return transport;
  }

  async http(request: ProviderRequest): Promise<ProviderResponse> {
    this.requests.push(request);
    const next = this.answers.shift();
    if (!next) throw new Error('no answer scripted');
    if (next instanceof Error) throw next;
    return next;
  }

  async sendEmail(email: SesEmail): Promise<string> {
    this.emails.push(email);
    return this.sesOutcome();
  }
}
