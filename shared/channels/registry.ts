import type { Channel } from './channel';
import { email } from './email';
import { sms } from './sms';
import { telegram } from './telegram';
import { voice } from './voice';
import { web } from './web';
import { wechat } from './wechat';
import { whatsapp } from './whatsapp';

/** Every channel Switchboard speaks; adding one is a module and a line here (and its config section). */
export const channels: Readonly<Record<string, Channel>> = { web, sms, whatsapp, wechat, telegram, email, voice };
