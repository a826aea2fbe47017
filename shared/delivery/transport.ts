import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { ProviderRequest, ProviderResponse, SesEmail, Transport } from '../channels/channel';

/** Provider calls taking longer than this are abandoned and retried later. */
const TIMEOUT_MS = 10_000;

/** The deployed transport: HTTPS to the providers' APIs, SES through its SDK client. */
export function internetTransport(ses = new SESv2Client({})): Transport {
  return {
    async http(request: ProviderRequest): Promise<ProviderResponse> {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      return { status: response.status, body: await response.text() };
    },
    async sendEmail(email: SesEmail): Promise<string> {
      const out = await ses.send(new SendEmailCommand(structuredClone(email) as ConstructorParameters<typeof SendEmailCommand>[0]));
      return out.MessageId ?? '';
    },
  };
}
