import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The URL a provider called, as it signs it (Twilio signs the URL and the POST parameters):
 * `https://<domain><path>?<query>` behind API Gateway, whose event keeps the domain the client
 * used and the raw query string. A custom domain with a base path, or a proxy in front, changes
 * what the provider sees: then the channel's configured `webhookUrl` is the truth, with the
 * request's query string appended if the configured URL has none.
 */
export function publicUrlOf(event: Pick<APIGatewayProxyEventV2, 'rawPath' | 'rawQueryString' | 'requestContext'>, headers: Readonly<Record<string, string | undefined>>, configured?: string | null): string {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  if (configured) return configured.includes('?') ? configured : `${configured}${query}`;
  const scheme = headers['x-forwarded-proto']?.split(',')[0]?.trim() || 'https';
  const host = headers.host ?? event.requestContext.domainName;
  return `${scheme}://${host}${event.rawPath}${query}`;
}
