import { env } from '../infra/topology';
import { durationToMs, parseConfig, type SwitchboardConfig } from './config';

let cached: SwitchboardConfig | undefined;

/** The config the stack (or local mode) was started with, as the functions see it. */
export function runtimeConfig(): SwitchboardConfig {
  cached ??= parseConfig(JSON.parse(process.env[env.config] ?? '{}'), `environment variable ${env.config}`);
  return cached;
}

export const mergeWindowMs = () => durationToMs(runtimeConfig().mergeWindow);
