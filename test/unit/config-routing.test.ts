import { join } from 'node:path';
import { ConfigError, loadConfigFile, parseConfig } from '../../shared/config';

/** The triage, routing and SLA sections: defaults a deployment can start with, and refusals that name the field. */

it('defaults to a working triage, routing and SLA setup', () => {
  const config = parseConfig({});
  expect(config.triage).toMatchObject({ analyzer: 'comprehend', defaultLanguage: 'en', batchSize: 100, maxBatchingWindowSeconds: 2, defaultCategory: 'general' });
  expect(config.triage.categories.map((c) => c.name)).toEqual(['billing', 'delivery', 'account', 'technical']);
  expect(config.routing).toMatchObject({ requireSkills: ['language', 'category'], escalationSkill: 'queue:escalation', sampleAgents: [] });
  expect(config.sla.policies.find((p) => p.priority === 'critical')).toMatchObject({ firstResponse: 'PT15M' });
  expect(config.sla).toMatchObject({ warningAt: 0.75, calendar: { type: 'calendar' } });
  expect(config.alarms).toMatchObject({ categoryTicketsPerHour: 50 });
});

it.each([
  [{ triage: { batchSize: 50, maxBatchingWindowSeconds: 0 } }, 'triage.maxBatchingWindowSeconds: must be at least 1 when batchSize is over 10'],
  [{ sla: { calendar: { type: 'business', timezone: 'Mars/Olympus' } } }, 'sla.calendar.timezone: must be an IANA time zone'],
  [{ sla: { calendar: { type: 'business', timezone: 'Asia/Shanghai', hours: { mon: [['18:00', '09:00']] } } } }, 'sla.calendar.hours: each interval must end after it starts'],
  [{ sla: { calendar: { type: 'business', timezone: 'Asia/Shanghai', hours: { mon: [] } } } }, 'sla.calendar.hours: needs working hours on at least one day'],
  [{ sla: { policies: [{ priority: 'low', tier: 'vip', firstResponse: 'PT1H', resolution: 'PT2H' }] } }, 'sla.policies: needs at least one policy without a tier or channel'],
  [{ sla: { policies: [{ priority: 'urgent', firstResponse: 'PT1H', resolution: 'PT2H' }] } }, 'sla.policies.0.priority'],
  [{ sla: { policies: [{ priority: 'high', firstResponse: 'soon', resolution: 'PT2H' }] } }, 'sla.policies.0.firstResponse: must be a positive ISO-8601 duration'],
  [{ sla: { escalation: [{ after: 'PT1H', actions: ['page-the-ceo'] }] } }, 'sla.escalation.0.actions.0'],
  [{ routing: { sampleAgents: [{ agentId: 'a', skills: ['Chinese'] }] } }, 'routing.sampleAgents.0.skills.0'],
  [{ triage: { categories: [{ name: 'Billing Team', phrases: ['refund'] }] } }, 'triage.categories.0.name'],
])('refuses %j naming the field', (input, message) => {
  expect(() => parseConfig(input)).toThrow(ConfigError);
  expect(() => parseConfig(input)).toThrow(message);
});

it('reads the fast SLA demo config the README points at', () => {
  const config = loadConfigFile(join(__dirname, '..', '..', 'examples', 'fast-sla.json'));
  expect(config.sla.policies[0]).toMatchObject({ priority: 'critical', firstResponse: 'PT5S' });
  expect(config.routing.sampleAgents.map((a) => a.agentId)).toEqual(['alice', 'mei', 'lin']);
});
