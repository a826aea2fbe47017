import type { CustomerHandle } from '../../events/inbound-message';

/**
 * Where each channel reaches a customer, from their handles, for channels that can send. Kept
 * apart from the channel modules so that choosing where a reply goes (the create-reply function)
 * loads none of the providers' parsers.
 */

type Settings = Readonly<Record<string, unknown>>;
export type ReplyAddressOf = (handles: readonly CustomerHandle[], settings: Settings) => string | undefined;

/** The WhatsApp Business number id replies go from, when the config names one. */
export function phoneNumberIdOf(settings: Settings): string | undefined {
  const id = settings.phoneNumberId;
  return typeof id === 'string' && /^\d{1,32}$/.test(id) ? id : undefined;
}

const channelUser = (handles: readonly CustomerHandle[], channel: string) =>
  handles.find((h) => h.kind === 'channel-user' && h.value.startsWith(`${channel}:`))?.value.slice(channel.length + 1);

/** Every channel with a reply API, and how it addresses a customer it has no message from. */
export const replyAddresses: Readonly<Record<string, ReplyAddressOf>> = {
  sms(handles, settings) {
    const phone = handles.find((h) => h.kind === 'phone')?.value;
    if (!phone) return undefined;
    return typeof settings.from === 'string' && settings.from.startsWith('whatsapp:') ? `whatsapp:${phone}` : phone;
  },
  whatsapp(handles, settings) {
    const phoneNumberId = phoneNumberIdOf(settings);
    const phone = handles.find((h) => h.kind === 'phone');
    return phoneNumberId && phone ? `${phoneNumberId}:${phone.value.slice(1)}` : undefined;
  },
  telegram(handles) {
    const id = channelUser(handles, 'telegram');
    return id && /^\d+$/.test(id) ? id : undefined;
  },
  wechat: (handles) => channelUser(handles, 'wechat') || undefined,
  email: (handles) => handles.find((h) => h.kind === 'email')?.value,
};
