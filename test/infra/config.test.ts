import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../../infra/app';
import { repoRoot } from '../../infra/constructs/function';
import { ConfigError } from '../../shared/config';

const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-config-'));
const writeJson = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
};
const appWith = (switchboard: unknown) => new App({ context: { switchboard } });

it('reads the switchboard context and fills in defaults', () => {
  const config = loadConfig(appWith({ mergeWindow: 'PT12H' }), {});
  expect(config.mergeWindow).toBe('PT12H');
  expect(config.ingest.maxReceiveCount).toBe(5);
});

it('rejects an invalid context naming the field and what it must be', () => {
  expect(() => loadConfig(appWith({ mergeWindow: 'soon' }), {})).toThrow(ConfigError);
  expect(() => loadConfig(appWith({ mergeWindow: 'soon' }), {})).toThrow(
    /cdk\.json context "switchboard"[\s\S]*mergeWindow: must be a positive ISO-8601 duration/,
  );
});

it('prefers the file named by SWITCHBOARD_CONFIG, and names that file when it is invalid', () => {
  const good = writeJson('good.json', { mergeWindow: 'P2D' });
  expect(loadConfig(appWith({ mergeWindow: 'soon' }), { SWITCHBOARD_CONFIG: good }).mergeWindow).toBe('P2D');

  const bad = writeJson('bad.json', { ingest: { batchSize: 50 } });
  expect(() => loadConfig(appWith({}), { SWITCHBOARD_CONFIG: bad })).toThrow(`Invalid Switchboard ${bad}:\n  - ingest.batchSize:`);
});

it('makes `cdk synth` stop with the message alone, before building anything', () => {
  const bad = writeJson('cli.json', { mergeWindow: 'soon' });
  const run = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'tsx'), ['infra/app.ts'], {
    cwd: repoRoot,
    env: { ...process.env, SWITCHBOARD_CONFIG: bad, CDK_OUTDIR: path.join(dir, 'out') },
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  expect(run.stderr.trim()).toBe(`Invalid Switchboard ${bad}:\n  - mergeWindow: must be a positive ISO-8601 duration such as PT24H or P1D (no years or months)`);
});
