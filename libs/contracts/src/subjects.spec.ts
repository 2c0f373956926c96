import {
  allDeadLetters,
  controlSubject,
  deadLetterSubject,
  eventSubject,
  FleetSubjects,
  InvalidSubjectError,
  mediaAllSessions,
  mediaSessionAll,
  mediaSubject,
  namespaced,
  queueGroup,
  streamName,
} from './subjects';

const sid = '3f1c2b9e-8a4d-4f7e-9b1a-2c3d4e5f6a7b';

describe('subject builders', () => {
  it('build the documented control, event and media subjects', () => {
    expect(controlSubject('agents', 'agent', 'get')).toBe('agents.v1.agent.get');
    expect(eventSubject('sessions', 'turn', 'committed')).toBe('sessions.v1.evt.turn.committed');
    expect(mediaSubject(sid, 'audio.in')).toBe(`voice.v1.${sid}.audio.in`);
    expect(mediaSubject(sid, 'audio.out')).toBe(`voice.v1.${sid}.audio.out`);
    expect(mediaSessionAll(sid)).toBe(`voice.v1.${sid}.>`);
    expect(mediaAllSessions('transcript')).toBe('voice.v1.*.transcript');
    expect(FleetSubjects.healthPing).toBe('fleet.v1.health.ping');
  });

  it('put the fleet namespace in front of subjects, queue groups and stream names', () => {
    expect(namespaced('vb', mediaSubject(sid, 'audio.in'))).toBe(`vb.voice.v1.${sid}.audio.in`);
    expect(namespaced('staging', controlSubject('agents', 'agent', 'get'))).toBe('staging.agents.v1.agent.get');
    expect(queueGroup('vb', 'agent-api')).toBe('vb.agent-api');
    expect(streamName('vb', 'sessions')).toBe('VB_SESSIONS');
    expect(streamName('t-42', 'sessions')).toBe('T_42_SESSIONS');
  });

  it.each(['a.b', '*', '>', '', 'not-a-uuid', `${sid}.x`, `${sid} `])('refuse the session id %p', (bad) => {
    expect(() => mediaSubject(bad, 'audio.in')).toThrow(InvalidSubjectError);
    expect(() => mediaSessionAll(bad)).toThrow(/session id must be a UUID/);
  });

  it.each(['a.b', '*', '>', '', 'Agents'])('refuse the subject token %p', (bad) => {
    expect(() => controlSubject(bad, 'agent', 'get')).toThrow(InvalidSubjectError);
    expect(() => eventSubject('agents', bad, 'updated')).toThrow(InvalidSubjectError);
    expect(() => controlSubject('agents', 'agent', bad)).toThrow(InvalidSubjectError);
  });

  it.each(['', 'a.b', '*', '>', 'VB', '1vb'])('refuse the namespace %p', (bad) => {
    expect(() => namespaced(bad, controlSubject('agents', 'agent', 'get'))).toThrow(/namespace must be/);
    expect(() => queueGroup(bad, 'agent-api')).toThrow(InvalidSubjectError);
  });

  it('build dead-letter subjects per domain and durable, and refuse a durable that is not one token', () => {
    expect(deadLetterSubject('sessions', 'session-store-turns')).toBe('bus.v1.dead.sessions.session-store-turns');
    expect(deadLetterSubject('agents', 'Test_1')).toBe('bus.v1.dead.agents.Test_1');
    expect(allDeadLetters()).toBe('bus.v1.dead.>');
    for (const bad of ['a.b', '*', '>', '', 'x'.repeat(65)]) expect(() => deadLetterSubject('sessions', bad)).toThrow(InvalidSubjectError);
    expect(() => deadLetterSubject('Sessions', 'd')).toThrow(InvalidSubjectError);
  });

  it('refuse an unknown media stream', () => {
    expect(() => mediaSubject(sid, 'audio.sideways' as never)).toThrow(/media stream must be one of/);
  });
});
