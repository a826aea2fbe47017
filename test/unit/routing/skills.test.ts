import fc from 'fast-check';
import { SKILL_PATTERN } from '../../../shared/routing/agent';
import { isEligible, queueName, requiredSkills } from '../../../shared/routing/skills';
import { agent, agentArb, requiredArb } from './arbitraries';

const config = { requireSkills: ['language', 'category'] as const, escalationSkill: 'queue:escalation', defaultCategory: 'general' };

describe('requiredSkills', () => {
  test('language and category by default, sorted', () => {
    expect(requiredSkills({ language: 'zh', category: 'delivery', channel: 'wechat' }, config)).toEqual(['category:delivery', 'language:zh']);
  });
  test('the default category requires nothing: anyone may take it', () => {
    expect(requiredSkills({ language: 'en', category: 'general', channel: 'web' }, config)).toEqual(['language:en']);
  });
  test('the region is kept, in canonical case (zh-tw and zh_TW are zh-TW)', () => {
    expect(requiredSkills({ language: 'zh-TW', channel: 'web' }, config)).toEqual(['language:zh-TW']);
    expect(requiredSkills({ language: 'zh-tw', channel: 'web' }, config)).toEqual(['language:zh-TW']);
    expect(requiredSkills({ language: 'zh_TW', channel: 'web' }, config)).toEqual(['language:zh-TW']);
    expect(requiredSkills({ language: 'EN', channel: 'web' }, config)).toEqual(['language:en']);
  });
  test('the channel only when configured', () => {
    expect(requiredSkills({ language: 'en', category: 'billing', channel: 'wechat' }, { ...config, requireSkills: ['channel', 'language', 'category'] })).toEqual([
      'category:billing',
      'channel:wechat',
      'language:en',
    ]);
    expect(requiredSkills({ language: 'en', category: 'billing', channel: 'wechat' }, { ...config, requireSkills: [] })).toEqual([]);
  });
  test('missing facts require nothing; a value no skill could carry is left out rather than waited for forever', () => {
    expect(requiredSkills({ channel: 'web' }, config)).toEqual([]);
    expect(requiredSkills({ language: 'not a language', category: 'billing', channel: 'web' }, config)).toEqual(['category:billing']);
  });
  test('an escalated ticket requires the escalation skill only', () => {
    expect(requiredSkills({ language: 'zh', category: 'billing', channel: 'wechat', escalated: true }, { ...config, requireSkills: ['language', 'category', 'channel'] })).toEqual([
      'queue:escalation',
    ]);
  });
  test('property: sorted, distinct, every one a valid skill', () => {
    fc.assert(
      fc.property(
        fc.record({ language: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }), category: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }), channel: fc.string({ maxLength: 8 }) }),
        fc.subarray(['language', 'category', 'channel'] as const),
        (ticket, requireSkills) => {
          const skills = requiredSkills(ticket, { ...config, requireSkills });
          expect(skills).toEqual([...new Set(skills)].sort());
          for (const s of skills) expect(s).toMatch(SKILL_PATTERN);
        },
      ),
    );
  });
});

describe('queueName', () => {
  test('the skills joined with "+", or "any"', () => {
    expect(queueName(['category:delivery', 'language:zh'])).toBe('category:delivery+language:zh');
    expect(queueName(['language:zh', 'category:delivery'])).toBe('category:delivery+language:zh');
    expect(queueName([])).toBe('any');
  });
});

describe('isEligible', () => {
  test('online, below capacity, with every required skill', () => {
    const mei = agent({ agentId: 'mei', skills: ['language:zh', 'category:delivery'], capacity: 2, activeTickets: ['t1'] });
    expect(isEligible(mei, ['language:zh'])).toBe(true);
    expect(isEligible(mei, [])).toBe(true);
    expect(isEligible(mei, ['language:zh', 'category:billing'])).toBe(false);
    expect(isEligible({ ...mei, presence: 'away' }, [])).toBe(false);
    expect(isEligible({ ...mei, presence: 'offline' }, [])).toBe(false);
    expect(isEligible({ ...mei, activeTickets: ['t1', 't2'] }, [])).toBe(false);
    expect(isEligible({ ...mei, capacity: 0, activeTickets: [] }, [])).toBe(false);
  });
  test('a skill is matched exactly: language:zh does not cover language:zh-TW', () => {
    expect(isEligible(agent({ agentId: 'mei', skills: ['language:zh'] }), ['language:zh-TW'])).toBe(false);
  });
  test('property: eligible exactly when online, with room and every skill', () => {
    fc.assert(
      fc.property(agentArb('a'), requiredArb, (a, required) => {
        expect(isEligible(a, required)).toBe(a.presence === 'online' && a.activeTickets.length < a.capacity && required.every((s) => a.skills.includes(s)));
      }),
    );
  });
});
