import { agentView, parseAgentId, parseAgentProfile, parseIfMatch, parsePresence, rosterView } from '../../../shared/routing/agent-api';
import { problemOf } from '../../support/problems';
import { agent } from './arbitraries';

describe('agents API requests', () => {
  test('a profile: skills sorted and distinct, optional fields only when given', () => {
    expect(parseAgentProfile('mei', JSON.stringify({ team: 'cn', skills: ['language:zh', 'category:billing', 'language:zh'], capacity: 4 }))).toEqual({
      agentId: 'mei',
      team: 'cn',
      skills: ['category:billing', 'language:zh'],
      capacity: 4,
    });
  });

  test('each bad field is named', () => {
    const problem = problemOf(() => parseAgentProfile('mei', JSON.stringify({ skills: ['zh', 'language:zh'], capacity: 101, extra: 1 })));
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['(body)', 'capacity', 'skills.0', 'team']);
    expect(problemOf(() => parseAgentProfile('mei', JSON.stringify({ team: 't', skills: [], capacity: 1.5 }))).errors).toEqual([{ field: 'capacity', message: 'must be a whole number' }]);
    expect(problemOf(() => parseAgentProfile('mei', JSON.stringify({ team: 't', skills: [], capacity: 1, supervisorId: 'mei' }))).errors).toEqual([
      { field: 'supervisorId', message: 'an agent cannot be their own supervisor' },
    ]);
    expect(problemOf(() => parseAgentProfile('mei', '{not json')).detail).toMatch(/must be JSON/);
  });

  test('presence', () => {
    expect(parsePresence('{"presence":"away"}')).toBe('away');
    expect(problemOf(() => parsePresence('{"presence":"busy"}')).errors).toEqual([{ field: 'presence', message: 'must be one of online, away, offline' }]);
  });

  test('agent ids in the path; "me" is reserved', () => {
    expect(parseAgentId('3f6c2a1e-8b7d-4c41-9e3a-0b5d7f2c1a90')).toBe('3f6c2a1e-8b7d-4c41-9e3a-0b5d7f2c1a90');
    expect(problemOf(() => parseAgentId('me')).errors).toEqual([{ field: 'id', message: expect.stringMatching(/reserved/) }]);
    expect(problemOf(() => parseAgentId('a b')).errors?.[0]?.field).toBe('id');
    expect(problemOf(() => parseAgentId(undefined)).status).toBe(400);
  });

  test('If-Match: an ETag in any usual form, or *', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"3"')).toBe(3);
    expect(parseIfMatch('3')).toBe(3);
    expect(parseIfMatch(' * ')).toBe('*');
    expect(problemOf(() => parseIfMatch('"abc"')).errors).toEqual([{ field: 'If-Match', message: expect.any(String) }]);
  });

  test('views: load and free capacity, never the held ticket ids; the roster by agent id', () => {
    const mei = agent({ agentId: 'mei', capacity: 2, activeTickets: ['t1', 't2', 't3'] });
    expect(agentView(mei)).toEqual(expect.objectContaining({ load: 3, freeCapacity: 0 }));
    expect(agentView(mei)).not.toHaveProperty('activeTickets');
    expect(rosterView([agent({ agentId: 'b' }), agent({ agentId: 'B' }), agent({ agentId: 'a' })]).map((a) => a.agentId)).toEqual(['B', 'a', 'b']);
  });
});
