import type { Channel } from './channel';
import { web } from './web';

/** Every channel Switchboard speaks; adding one is a module and a line here. */
export const channels: Readonly<Record<string, Channel>> = { web };
