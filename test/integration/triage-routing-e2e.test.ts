import { issueDevToken } from '../../infra/local/dev-tokens';
import { type BusEvent } from '../../infra/local/event-bus';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { parseConfig } from '../../shared/config';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';

/**
 * The issue's "done" in local mode, in real time with second-long targets: a furious Chinese
 * WeChat message and a calm English web message are triaged differently and both assigned by the
 * rules; the unanswered one warns, breaches and escalates on schedule, the answered one does not.
 */

const skills = ['category:billing', 'category:delivery', 'category:account', 'category:technical'];
const config = parseConfig({
  sla: {
    warningAt: 0.5,
    policies: [
      { priority: 'critical', firstResponse: 'PT4S', resolution: 'P1D' },
      { priority: 'high', firstResponse: 'PT4S', resolution: 'P1D' },
      { priority: 'normal', firstResponse: 'PT6S', resolution: 'P1D' },
      { priority: 'low', firstResponse: 'PT6S', resolution: 'P1D' },
    ],
    escalation: [
      { after: 'PT0S', actions: ['notify-supervisor', 'raise-priority'] },
      { after: 'PT1S', actions: ['escalation-queue'] },
    ],
  },
  routing: {
    sampleAgents: [
      { agentId: 'alice', skills: ['language:en', ...skills], capacity: 2, presence: 'online', supervisorId: 'lin' },
      { agentId: 'mei', skills: ['language:zh', 'language:en', ...skills], capacity: 2, presence: 'online', supervisorId: 'lin' },
      { agentId: 'lin', skills: ['language:zh', 'language:en', 'queue:escalation', ...skills], capacity: 1, presence: 'away' },
    ],
  },
});

let local: LocalSwitchboard;
beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
}, 60_000);
// Closing waits for work in flight (a workflow task, a poll) to finish.
afterAll(() => local?.close(), 30_000);

const eventsOf = (ticketId: string): BusEvent[] => local.bus.delivered.get('EventLog')!.filter((e) => e.detail.ticketId === ticketId);
const typesOf = (ticketId: string) => eventsOf(ticketId).map((e) => e['detail-type']);
const first = (ticketId: string, type: string) => eventually(async () => eventsOf(ticketId).find((e) => e['detail-type'] === type), 20_000);

const wechatText = (msgId: string, text: string) =>
  `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[o6_angry_customer]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content><MsgId>${msgId}</MsgId></xml>`;

test('furious Chinese and calm English messages are triaged apart, assigned by the rules, and only the unanswered one escalates', async () => {
  const sentAt = Date.now();
  expect((await postSigned(local.url, 'wechat', wechatText('7301923847561', '你们的快递太慢了！！！气死我了，垃圾服务，我要投诉！'))).status).toBe(200);
  const furious = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'TicketTriaged' && e.detail.language === 'zh'));
  const furiousId = furious.detail.ticketId as string;
  expect(furious.detail).toMatchObject({ sentiment: 'NEGATIVE', urgency: 'critical', priority: 'critical', category: 'delivery', pending: false });
  expect(furious.detail.tags).toEqual(expect.arrayContaining(['urgency:critical', 'sentiment:negative', 'category:delivery', 'language:zh']));

  const calmBody = JSON.stringify({ messageId: 'calm-1', customer: { email: 'sam@example.com', name: 'Sam' }, text: 'Hi, could you tell me how to change the address on my invoice? Thanks a lot!' });
  expect((await postSigned(local.url, 'web', calmBody)).status).toBe(202);
  const calm = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'TicketTriaged' && e.detail.language === 'en'));
  const calmId = calm.detail.ticketId as string;
  expect(calm.detail.urgency).toMatch(/^(low|normal)$/);
  expect(calm.detail.category).toBe('billing');

  // Chinese needs language:zh (only mei and lin; lin is away); the English one goes to the least loaded: alice.
  expect((await first(furiousId, 'TicketAssigned')).detail).toMatchObject({ agentId: 'mei', reason: 'least-loaded' });
  expect((await first(calmId, 'TicketAssigned')).detail).toMatchObject({ agentId: 'alice', reason: 'least-loaded' });

  const token = await issueDevToken(local.signingKey, { sub: 'alice', role: 'agent' });
  const reply = await fetch(`${local.url}/tickets/${calmId}/replies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Of course: reply with the new address and I will update it.' }),
  });
  expect(reply.status).toBe(202);

  // The escalation queue needs someone: the supervisor comes online.
  const supervisor = await issueDevToken(local.signingKey, { sub: 'lin', role: 'supervisor' });
  const presence = await fetch(`${local.url}/agents/me/presence`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${supervisor}`, 'content-type': 'application/json' },
    body: JSON.stringify({ presence: 'online' }),
  });
  expect(presence.status).toBe(200);

  const warning = await first(furiousId, 'SlaWarning');
  const breach = await first(furiousId, 'SlaBreached');
  const escalated = await eventually(async () => {
    const levels = eventsOf(furiousId).filter((e) => e['detail-type'] === 'TicketEscalated');
    return levels.length >= 2 ? levels : undefined;
  }, 20_000);
  expect(warning.detail).toMatchObject({ clock: 'firstResponse', assigneeId: 'mei' });
  expect(breach.detail).toMatchObject({ clock: 'firstResponse', dueAt: breach.detail.dueAt });
  // On schedule: the warning at half the 4 s target, the breach at the target.
  expect(Date.parse(warning.time) - sentAt).toBeGreaterThanOrEqual(1500);
  expect(Date.parse(breach.detail.dueAt as string) - Date.parse(warning.detail.dueAt as string)).toBe(0);
  expect(Date.parse(breach.time)).toBeGreaterThanOrEqual(Date.parse(breach.detail.dueAt as string));
  expect(escalated[0]!.detail).toMatchObject({ level: 1, actions: ['notify-supervisor', 'raise-priority'], supervisorId: 'lin', assigneeId: 'mei' });
  expect(escalated[1]!.detail).toMatchObject({ level: 2, actions: ['escalation-queue'] });
  // Level 2 moved it to the escalation queue, which only lin can take.
  const reassigned = await eventually(async () => eventsOf(furiousId).find((e) => e['detail-type'] === 'TicketAssigned' && e.detail.agentId === 'lin'), 20_000);
  expect(reassigned.detail.requiredSkills).toEqual(['queue:escalation']);

  // The answered one: past its own 3 s warning and 6 s target, nothing.
  await new Promise((r) => setTimeout(r, Math.max(0, sentAt + 7500 - Date.now())));
  expect(typesOf(calmId)).not.toEqual(expect.arrayContaining(['SlaWarning']));
  expect(typesOf(calmId).filter((t) => t.startsWith('Sla') || t === 'TicketEscalated')).toEqual([]);
}, 60_000);
