import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfigFile, parseConfig, type SwitchboardConfig } from '../shared/config';
import { SwitchboardStack, type SwitchboardStackProps } from './switchboard-stack';

/** The config from the file named by SWITCHBOARD_CONFIG if set, else cdk.json's `switchboard` context. */
export function loadConfig(app: App, environment: NodeJS.ProcessEnv = process.env): SwitchboardConfig {
  const file = environment.SWITCHBOARD_CONFIG;
  if (file) return loadConfigFile(file);
  return parseConfig(app.node.tryGetContext('switchboard'), 'config (cdk.json context "switchboard")');
}

export interface BuildOptions {
  readonly app?: AppProps;
  /** Run the cdk-nag AwsSolutions checks at synth (default true). */
  readonly checks?: boolean;
  readonly entryOf?: SwitchboardStackProps['entryOf'];
}

/**
 * The app and stack exactly as `cdk synth` builds them, without synthesizing. Pass a function to
 * read the config from the new app (its context is where cdk.json's config arrives).
 */
export function buildApp(config: SwitchboardConfig | ((app: App) => SwitchboardConfig), options: BuildOptions = {}) {
  const app = new App(options.app);
  const stack = new SwitchboardStack(app, 'Switchboard', {
    config: typeof config === 'function' ? config(app) : config,
    entryOf: options.entryOf,
  });
  if (options.checks ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (require.main === module) {
  try {
    buildApp(loadConfig).app.synth();
  } catch (error) {
    // A bad config is the operator's to fix: the message names each field, a stack trace adds nothing.
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}
