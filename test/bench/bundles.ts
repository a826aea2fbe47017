import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { repoRoot } from '../../infra/constructs/function';
import { type FunctionName, functions, queues } from '../../infra/topology';
import { fmt, median } from './stats';

/**
 * Part 3: each function bundled as the CDK construct bundles it (infra/constructs/function.ts →
 * NodejsFunction: esbuild --bundle --platform=node --format=cjs --target=node22 --minify --sourcemap,
 * no externals, run from the repo root), its size, and its cold init time: the time a fresh `node`
 * takes to `require` the bundle. Each is compared with a baseline bundle built the same way from an
 * entry that only creates the AWS SDK clients the function's bundle contains, so the ratio shows
 * what Switchboard's own code and libraries add on top of the SDK a function cannot avoid.
 */

export interface BundleFigures {
  readonly bytes: number;
  /** Median `require` time of the bundle in a fresh node, ms. */
  readonly initMs: number;
  /** The same with --enable-source-maps, as the deployed functions run (NODE_OPTIONS). */
  readonly initMsSourceMaps: number;
}

export interface FunctionBundle {
  readonly name: FunctionName;
  readonly entry: string;
  readonly sdkPackages: string[];
  readonly fn: BundleFigures;
  readonly baseline: BundleFigures;
  readonly initRatio: number;
  readonly initRatioSourceMaps: number;
  readonly sizeRatio: number;
  /** Packages (or `(switchboard)` for the repo's own code) that add the most minified bytes over the baseline. */
  readonly largestAdditions: [string, number][];
}

export interface BundleResult {
  readonly runs: number;
  readonly functions: FunctionBundle[];
  readonly missing: FunctionName[];
}

/** What the CDK construct passes to esbuild (see createBundlingCommand in aws-lambda-nodejs). */
const cdkOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: true,
  sourcemap: true,
  external: [],
  absWorkingDir: repoRoot,
  metafile: true,
  logLevel: 'silent',
};

/** The environment the stack gives a function, with dummy values, so loading needs no network. */
const functionEnv = {
  TABLE_NAME: 'switchboard-bench',
  EVENT_BUS_NAME: 'switchboard-bench',
  ...Object.fromEntries(queues.map((q) => [q.urlEnv, `https://sqs.us-east-1.amazonaws.com/000000000000/switchboard-${q.id}`])),
  MAIL_BUCKET: 'switchboard-bench-mail',
  SWITCHBOARD_CONFIG: '{}',
  SWITCHBOARD_CHANNEL_SECRET_ARNS: '{}',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_SERVICE_NAME: 'switchboard',
  POWERTOOLS_METRICS_NAMESPACE: 'Switchboard',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

/**
 * The AWS SDK packages a bundle contains because code outside the SDK imports them: the function's
 * own modules, or a library such as Powertools Parameters. Packages the SDK pulls in for itself
 * come with the baseline's clients anyway.
 */
export function sdkPackagesOf(metafile: Metafile): string[] {
  const packages = new Set<string>();
  const sdkPackage = /node_modules\/(@aws-sdk\/(?:client-[^/]+|lib-dynamodb))\//;
  for (const [path, input] of Object.entries(metafile.inputs)) {
    if (/node_modules\/@aws-sdk\//.test(path)) continue;
    for (const imported of input.imports) {
      const match = sdkPackage.exec(imported.path);
      if (match) packages.add(match[1]);
    }
  }
  return [...packages].sort();
}

/** The client class a `@aws-sdk/client-*` package exports (`DynamoDBClient`, `SQSClient`, ...). */
function clientClassOf(pkg: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = Object.keys(require(require.resolve(pkg, { paths: [repoRoot] })) as object);
  const name = exported.filter((k) => /^[A-Z][A-Za-z0-9]*Client$/.test(k)).sort((a, b) => a.length - b.length)[0];
  if (!name) throw new Error(`no client class exported by ${pkg}`);
  return name;
}

/** `import { XClient } from '@aws-sdk/client-x'; new XClient({})` for each package, as a handler module. */
export function baselineSource(packages: readonly string[]): string {
  const documentClient = packages.includes('@aws-sdk/lib-dynamodb');
  const clients = packages.filter((p) => p.startsWith('@aws-sdk/client-'));
  if (documentClient && !clients.includes('@aws-sdk/client-dynamodb')) clients.push('@aws-sdk/client-dynamodb');
  const imports = documentClient ? ["import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';"] : [];
  const body: string[] = [];
  clients.forEach((pkg, i) => {
    const name = clientClassOf(pkg);
    imports.push(`import { ${name} } from '${pkg}';`);
    body.push(
      pkg === '@aws-sdk/client-dynamodb' && documentClient
        ? `export const client${i} = DynamoDBDocumentClient.from(new ${name}({}));`
        : `export const client${i} = new ${name}({});`,
    );
  });
  return [...imports, ...body, 'export const handler = async () => undefined;', ''].join('\n');
}

/** Minified bytes in the output by package (`(switchboard)` for the repo's own modules). */
function bytesByPackage(metafile: Metafile): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? '(switchboard)';
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + input.bytesInOutput);
    }
  }
  return sizes;
}

function largestAdditions(fn: Metafile, baseline: Metafile, top = 5): [string, number][] {
  const base = bytesByPackage(baseline);
  return [...bytesByPackage(fn)]
    .map(([pkg, bytes]): [string, number] => [pkg, bytes - (base.get(pkg) ?? 0)])
    .filter(([, extra]) => extra > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
}

function initTimes(bundle: string, runs: number, sourceMaps: boolean): number[] {
  const script = `const t=process.hrtime.bigint(); require(${JSON.stringify(bundle)}); console.log(Number(process.hrtime.bigint()-t)/1e6)`;
  const args = [...(sourceMaps ? ['--enable-source-maps'] : []), '-e', script];
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...functionEnv }, encoding: 'utf8', timeout: 60_000 });
    if (out.status !== 0) throw new Error(`require(${bundle}) failed:\n${out.stderr}`);
    times.push(Number(out.stdout.trim().split('\n').pop()));
  }
  return times;
}

/** Alternates function and baseline spawns, so a noisy moment on the machine hits both alike. */
function measureInit(fnBundle: string, baseBundle: string, runs: number) {
  const fn = { plain: [] as number[], maps: [] as number[] };
  const base = { plain: [] as number[], maps: [] as number[] };
  initTimes(fnBundle, 1, false); // warm the file cache; not counted
  initTimes(baseBundle, 1, false);
  for (let i = 0; i < runs; i++) {
    fn.plain.push(...initTimes(fnBundle, 1, false));
    base.plain.push(...initTimes(baseBundle, 1, false));
    fn.maps.push(...initTimes(fnBundle, 1, true));
    base.maps.push(...initTimes(baseBundle, 1, true));
  }
  return { fn, base };
}

export async function measureBundles(runs = 7): Promise<BundleResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const results: FunctionBundle[] = [];
  const missing: FunctionName[] = [];
  try {
    for (const name of Object.keys(functions) as FunctionName[]) {
      const entry = join(repoRoot, functions[name].entry);
      if (!existsSync(entry)) {
        missing.push(name);
        continue;
      }
      const fnOut = join(dir, name, 'index.js');
      const built = await build({ ...cdkOptions, entryPoints: [entry], outfile: fnOut });
      const sdkPackages = sdkPackagesOf(built.metafile!);

      const baseOut = join(dir, `${name}-baseline`, 'index.js');
      const baseBuilt = await build({
        ...cdkOptions,
        stdin: { contents: baselineSource(sdkPackages), resolveDir: repoRoot, sourcefile: `${name}-baseline.ts`, loader: 'ts' },
        outfile: baseOut,
      });

      const { fn, base } = measureInit(fnOut, baseOut, runs);
      const fnFigures = { bytes: statSync(fnOut).size, initMs: median(fn.plain), initMsSourceMaps: median(fn.maps) };
      const baseFigures = { bytes: statSync(baseOut).size, initMs: median(base.plain), initMsSourceMaps: median(base.maps) };
      results.push({
        name,
        entry: functions[name].entry,
        sdkPackages,
        fn: fnFigures,
        baseline: baseFigures,
        initRatio: fnFigures.initMs / baseFigures.initMs,
        initRatioSourceMaps: fnFigures.initMsSourceMaps / baseFigures.initMsSourceMaps,
        sizeRatio: fnFigures.bytes / baseFigures.bytes,
        largestAdditions: largestAdditions(built.metafile!, baseBuilt.metafile!),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { runs, functions: results, missing };
}

const kb = (bytes: number) => fmt(bytes / 1024, 0);

export function printBundles(result: BundleResult): void {
  console.log(`\n## 3. Function bundles (esbuild as the CDK construct runs it) and cold init (median of ${result.runs} fresh \`node\` processes requiring the bundle)\n`);
  for (const f of result.functions) {
    console.log(`${f.name} (${f.entry})`);
    console.log(`  SDK packages imported: ${f.sdkPackages.join(', ') || '(none)'}`);
    console.log(`  bundle ${kb(f.fn.bytes)} KB vs baseline ${kb(f.baseline.bytes)} KB (×${fmt(f.sizeRatio)})`);
    console.log(`  largest additions over the baseline: ${f.largestAdditions.map(([pkg, bytes]) => `${pkg} +${kb(bytes)} KB`).join(', ')}`);
    console.log(`  init   ${fmt(f.fn.initMs, 1)} ms vs baseline ${fmt(f.baseline.initMs, 1)} ms → ratio ${fmt(f.initRatio)}`);
    console.log(`  init with --enable-source-maps (as deployed): ${fmt(f.fn.initMsSourceMaps, 1)} ms vs ${fmt(f.baseline.initMsSourceMaps, 1)} ms → ratio ${fmt(f.initRatioSourceMaps)}`);
  }
  for (const name of result.missing) console.log(`${name}: entry ${functions[name].entry} does not exist; not measured`);
}
