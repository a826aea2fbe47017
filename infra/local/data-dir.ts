import { join, resolve } from 'node:path';

/** Where local mode keeps its tables, events and dev signing key: `.switchboard/`, or SWITCHBOARD_DATA_DIR. */
export function localDataDir(): string {
  // The repository root, computed here: the token CLI should not load the CDK to find it.
  return process.env.SWITCHBOARD_DATA_DIR ? resolve(process.env.SWITCHBOARD_DATA_DIR) : join(__dirname, '..', '..', '.switchboard');
}
