import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildApp } from '../../infra/app';
import { repoRoot } from '../../infra/constructs/function';
import { loadConfigFile, type SwitchboardConfig } from '../../shared/config';

const cdkJson = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

/** The config `cdk synth` uses. */
export const cdkJsonConfig = (): SwitchboardConfig => loadConfigFile(path.join(repoRoot, 'cdk.json'));

/**
 * The app as app.ts builds it, with cdk.json's feature flags, but without bundling: the handlers'
 * code is not under test here, so every function points at one stub entry.
 */
export function buildTestApp(config: SwitchboardConfig, options: { checks?: boolean } = {}) {
  return buildApp(config, {
    checks: options.checks,
    app: { context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } },
    entryOf: () => path.join(__dirname, 'fixtures', 'stub-handler.ts'),
  });
}
