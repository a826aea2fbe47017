import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildTestApp, cdkJsonConfig } from './build';

/**
 * cdk-nag 3 runs as a CDK validation plugin at synth. Errors make synth throw; warnings do not,
 * but both land in the cloud assembly's validation-report.json, which is what these tests read.
 */
interface Finding {
  plugin: string;
  rule: string;
  severity: string;
  paths: string[];
}

function synthFindings(app: App): Finding[] {
  const reportFile = path.join(app.outdir, 'validation-report.json');
  try {
    app.synth();
  } catch (error) {
    if (!existsSync(reportFile)) throw error;
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  return report.pluginReports.flatMap((plugin: any) =>
    plugin.violations.map((v: any) => ({
      plugin: plugin.pluginName,
      rule: v.ruleName,
      severity: v.severity,
      paths: v.violatingConstructs.map((c: { constructPath: string }) => c.constructPath),
    })),
  );
}

/** Every `Validations.of(x).acknowledge(...)` in the app, with the construct it sits on. */
function acknowledgements(app: App) {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => ({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason })),
  );
}

let app: App;
let findings: Finding[];

beforeAll(() => {
  ({ app } = buildTestApp(cdkJsonConfig()));
  findings = synthFindings(app);
});

it('leaves no AwsSolutions finding unacknowledged, errors and warnings alike', () => {
  expect(findings).toEqual([]);
});

it('gives every acknowledgement a reason someone can check', () => {
  const acks = acknowledgements(app);
  expect(acks.length).toBeGreaterThan(0);
  expect(acks.filter((ack) => ack.reason.trim().length < 40)).toEqual([]);
});

it('acknowledges only findings that exist', () => {
  // The same checks, blind to acknowledgements: each acknowledgement must cover one of these.
  const blind = new AwsSolutionsChecks();
  Object.assign(blind, { isAcknowledged: () => false });
  const raw = blind.validateScope(app).violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath! })));
  const covers = (ack: { id: string; path: string }) => raw.some((f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
  expect(acknowledgements(app).filter((ack) => !covers(ack))).toEqual([]);
});

it('reports a finding when there is one, so the tests above can fail', () => {
  const { app: canary, stack } = buildTestApp(cdkJsonConfig());
  new sqs.Queue(stack, 'CanaryQueue');
  expect(synthFindings(canary)).toContainEqual(
    expect.objectContaining({ plugin: 'AwsSolutions', rule: 'AwsSolutions-SQS4', paths: ['Switchboard/CanaryQueue/Resource'] }),
  );
});
