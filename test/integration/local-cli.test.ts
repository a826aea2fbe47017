import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signWebRequest } from '../../shared/channels/signatures';
import { eventually } from '../support/eventually';

/**
 * The README's first steps as a newcomer takes them: `npm start` prints where it runs and what to
 * do next, the printed web message becomes a ticket, `npm run token` prints a token alone on stdout,
 * a restart keeps the tickets and `--fresh` starts empty. The same entry points as the npm scripts,
 * with their data in a temporary directory.
 */

const repo = join(__dirname, '..', '..');
const tsx = join(repo, 'node_modules', '.bin', 'tsx');
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
const env = { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, PORT: '0', POWERTOOLS_LOG_LEVEL: 'ERROR' };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Running {
  readonly url: string;
  readonly banner: string;
  stop(): Promise<void>;
}

/** `npm start [-- --fresh]`, resolved once the banner is printed. */
function start(...args: string[]): Promise<Running> {
  const child: ChildProcess = spawn(tsx, ['infra/local/main.ts', ...args], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60 s:\n${out}\n${err}`)), 60_000);
    const exitedEarly = (code: number | null) => reject(new Error(`npm start exited (${code}):\n${out}\n${err}`));
    child.once('exit', exitedEarly);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const url = /running locally at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (!url || !out.includes('Stop: Ctrl-C')) return;
      clearTimeout(timer);
      child.off('exit', exitedEarly);
      resolve({
        url,
        banner: out,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

async function token(role: string): Promise<string> {
  const { stdout } = await promisify(execFile)(tsx, ['infra/local/token.ts', '--role', role, '--sub', 'alice'], { cwd: repo, env });
  return stdout;
}

async function tickets(url: string, bearer: string): Promise<{ ticketId: string; subject: string }[]> {
  const res = await fetch(`${url}/tickets`, { headers: { authorization: `Bearer ${bearer}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { tickets: { ticketId: string; subject: string }[] }).tickets;
}

test('npm start, the printed message, npm run token, a restart that keeps tickets, and --fresh', async () => {
  const first = await start('--fresh');
  let second: Running | undefined;
  let third: Running | undefined;
  try {
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    // What to do next: the signed curl for the web channel and how to get a token.
    expect(first.banner).toContain(`curl -sS ${first.url}/webhooks/web`);
    expect(first.banner).toContain('local-web-secret');
    expect(first.banner).toContain('npm run -s token -- --role agent --sub alice');

    // The banner's message, signed as its openssl line signs it.
    const body = JSON.stringify({ messageId: `demo-${Date.now()}`, customer: { email: 'ana@example.com', name: 'Ana' }, text: 'My parcel is late' });
    const sent = await fetch(`${first.url}/webhooks/web`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebRequest('local-web-secret', body) }, body });
    expect(sent.status).toBe(202);

    const printed = await token('agent');
    expect(printed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const bearer = printed.trim();
    const listed = await eventually(async () => ((await tickets(first.url, bearer)).length > 0 ? tickets(first.url, bearer) : undefined));
    expect(listed.map((t) => t.subject)).toEqual(['My parcel is late']);
    await first.stop();

    second = await start();
    expect((await tickets(second.url, bearer)).map((t) => t.ticketId)).toEqual(listed.map((t) => t.ticketId));
    await second.stop();
    second = undefined;

    third = await start('--fresh');
    expect(await tickets(third.url, bearer)).toEqual([]);
  } finally {
    await Promise.all([first, second, third].map((r) => r?.stop().catch(() => undefined)));
  }
}, 120_000);

test('npm run token refuses an unknown role, on stderr, with nothing on stdout', async () => {
  const failed = await token('superuser').then(
    () => undefined,
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  expect(failed).toMatchObject({ code: 2, stdout: '' });
  expect(failed?.stderr).toContain('--role must be one of');
});
