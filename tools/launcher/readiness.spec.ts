import { SERVICE_NAMES } from '@voxbridge/contracts';
import { replicaPlan } from './config';
import { FleetReadiness } from './readiness';

describe(FleetReadiness.name, () => {
  const everyoneBut = (sut: FleetReadiness, plan: ReturnType<typeof replicaPlan>, ...names: string[]) =>
    plan.filter(({ name }) => !names.includes(name)).forEach(({ name }) => sut.ready(name));

  it('counts a service as ready only once all its replicas are', () => {
    const plan = replicaPlan(4900, 2);
    const sut = new FleetReadiness(plan);

    sut.ready('agent-api');
    sut.ready('stt-gateway#1');
    expect(sut.readyServices()).toEqual(['agent-api']);

    sut.ready('stt-gateway#2');
    expect(sut.readyServices()).toEqual(['agent-api', 'stt-gateway']);
  });

  it('is complete when every replica of every service is ready, not before', () => {
    const plan = replicaPlan(4900, 3);
    const sut = new FleetReadiness(plan);

    everyoneBut(sut, plan, 'tts-gateway#3');
    expect(sut.complete).toBe(false);
    expect(sut.waiting()).toEqual(['tts-gateway#3']);
    expect(sut.readyServices()).toHaveLength(SERVICE_NAMES.length - 1);

    sut.ready('tts-gateway#3');
    expect(sut.complete).toBe(true);
    expect(sut.readyServices()).toEqual(SERVICE_NAMES);
  });

  it('takes back a service whose replica crashed, until that replica is ready again', () => {
    const plan = replicaPlan(4900, 2);
    const sut = new FleetReadiness(plan);
    everyoneBut(sut, plan);

    sut.lost('llm-router#2');
    expect(sut.complete).toBe(false);
    expect(sut.readyServices()).not.toContain('llm-router');
    expect(sut.waiting()).toEqual(['llm-router#2']);

    sut.ready('llm-router#2');
    expect(sut.complete).toBe(true);
  });

  it('with one replica, lists the waiting services by their own names', () => {
    const sut = new FleetReadiness(replicaPlan(4900, 1));
    sut.ready('agent-api');
    expect(sut.waiting()).toEqual(SERVICE_NAMES.filter((name) => name !== 'agent-api'));
  });
});
