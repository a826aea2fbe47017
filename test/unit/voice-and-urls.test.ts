import { contactMessage } from '../../shared/channels/voice';
import { inboundMessage } from '../../events/inbound-message';
import { secretFieldsOf } from '../../shared/secrets';
import { publicUrlOf } from '../../shared/webhooks/public-url';
import { sampleBodies } from '../support/channel-requests';

const context = { secrets: {}, settings: {}, now: new Date(), maxClockSkewSeconds: 300, defaultPhoneRegion: 'US', receivedAt: '2026-11-23T09:00:00.000Z' };
const event = (contact: Record<string, unknown>, parameters: Record<string, string> = {}) => ({
  Name: 'ContactFlowEvent',
  Details: { ContactData: { ContactId: 'c-1', Channel: 'VOICE', Attributes: {}, ...contact }, Parameters: parameters },
});

describe('Amazon Connect contact events', () => {
  test('the documented shape: the caller\'s number, the transcript first, the other attributes after', () => {
    const message = contactMessage(JSON.parse(sampleBodies.voice!), context);
    expect(message).toEqual({
      schemaVersion: 1,
      channel: 'voice',
      providerMessageId: '4a573372-1f28-4e26-b97b-0123456789ab',
      customer: { handles: [{ kind: 'phone', value: '+14155550123' }] },
      text: 'My parcel never arrived\n\nivrChoice: deliveries',
      attachments: [],
      sentAt: context.receivedAt,
      receivedAt: context.receivedAt,
      rawRef: 'voice:4a573372-1f28-4e26-b97b-0123456789ab',
    });
    expect(inboundMessage.safeParse(message).success).toBe(true);
  });

  test('a withheld number is tied to the contact (and its transfers); no attributes reads as a phone call', () => {
    const message = contactMessage(event({ InitialContactId: 'c-0', CustomerEndpoint: { Address: 'anonymous', Type: 'TELEPHONE_NUMBER' } }), context);
    expect(message.customer.handles).toEqual([{ kind: 'channel-user', value: 'voice:c-0' }]);
    expect(message.text).toBe('Phone call');
  });

  test('flow parameters count as attributes; a chat contact says so', () => {
    expect(contactMessage(event({ Channel: 'CHAT' }, { queue: 'billing' }), context).text).toBe('Amazon Connect chat\n\nqueue: billing');
  });

  test('anything that is not a contact flow event is a 400 naming the field', () => {
    for (const bad of [{}, { Details: {} }, { Details: { ContactData: { ContactId: '' } } }, null, 'x']) {
      expect(() => contactMessage(bad, context)).toThrow(expect.objectContaining({ problem: expect.objectContaining({ status: 400 }) }));
    }
  });
});

describe('the public URL a provider signed', () => {
  const gatewayEvent = { rawPath: '/webhooks/sms', rawQueryString: 'a=1&b=2', requestContext: { domainName: 'abc123.execute-api.us-east-1.amazonaws.com' } } as Parameters<typeof publicUrlOf>[0];

  test('behind API Gateway: https, the host the client used, the path and the raw query', () => {
    expect(publicUrlOf(gatewayEvent, { host: 'abc123.execute-api.us-east-1.amazonaws.com', 'x-forwarded-proto': 'https' })).toBe('https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/sms?a=1&b=2');
    expect(publicUrlOf({ ...gatewayEvent, rawQueryString: '' }, {})).toBe('https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/sms');
  });

  test('a configured URL wins (a custom domain with a base path), keeping the request\'s query unless it has its own', () => {
    expect(publicUrlOf(gatewayEvent, {}, 'https://support.example.com/hooks/sms')).toBe('https://support.example.com/hooks/sms?a=1&b=2');
    expect(publicUrlOf(gatewayEvent, {}, 'https://support.example.com/hooks/sms?x=1')).toBe('https://support.example.com/hooks/sms?x=1');
  });
});

describe('channel secrets', () => {
  test('a plain value stands for every field; a JSON object gives each', () => {
    expect(secretFieldsOf('sms', 'local-sms-secret', ['authToken', 'accountSid'])).toEqual({ authToken: 'local-sms-secret', accountSid: 'local-sms-secret' });
    expect(secretFieldsOf('sms', '{"authToken":"t","accountSid":"AC1","extra":"x"}', ['authToken', 'accountSid'])).toEqual({ authToken: 't', accountSid: 'AC1' });
  });

  test('a missing field or broken JSON names the problem without echoing the value', () => {
    expect(() => secretFieldsOf('sms', '{"authToken":"s3cr3t"}', ['authToken', 'accountSid'])).toThrow('lacks the field(s) accountSid');
    const error = (() => {
      try {
        secretFieldsOf('sms', '{"authToken":"s3cr3t"', ['authToken']);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain('not valid JSON');
    expect(error?.message).not.toContain('s3cr3t');
  });
});
