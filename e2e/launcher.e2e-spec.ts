import { expectEventually } from '@voxbridge/testing';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fleetHealth, newRun, type Run } from './support/fleet';
import { close, freePortBase, isAlive, LauncherProcess, listenOn, processesMentioning, REPO_ROOT } from './support/launcher-process';

const BOOT_TIMEOUT_MS = 120_000;
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('fleet launcher (npm start)', () => {
  describe('with a port of the fleet taken', () => {
    it('exits non-zero naming the port and the service, before starting anything', async () => {
      const run = await newRun();
      const sttPort = run.portBase + 3;
      const blocker = await listenOn(sttPort);
      if (!blocker) throw new Error(`port ${sttPort} was taken meanwhile`);
      try {
        const sut = LauncherProcess.start(run.env);
        const exit = await sut.exited;

        expect(exit.code).not.toBe(0);
        expect(exit.code).not.toBeNull();
        expect(sut.text()).toContain(`port ${sttPort} (stt-gateway) is already in use — stop what uses it or set VOXBRIDGE_PORT_BASE`);
        expect(sut.text()).not.toContain('started ');
        expect(existsSync(run.home)).toBe(false);
        expect(processesMentioning(`VOXBRIDGE_NAMESPACE=${run.namespace}`)).toEqual([]);
      } finally {
        await close(blocker);
        rmSync(join(run.home, '..'), { recursive: true, force: true });
      }
    });
  });

  describe('running the whole fleet', () => {
    let run: Run;
    let sut: LauncherProcess;
    const context = () => sut.lastLines();

    beforeAll(async () => {
      run = await newRun();
      sut = LauncherProcess.start(run.env);
      await expectEventually(
        () => {
          if (!sut.isRunning()) throw new Error(`launcher exited early (${sut.child.exitCode ?? sut.child.signalCode})`);
          expect(sut.text()).toContain('8/8 ready');
        },
        { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, context },
      );
    }, BOOT_TIMEOUT_MS + 10_000);

    afterAll(async () => {
      // Only when a test failed half-way: leave nothing running.
      if (sut?.isRunning()) {
        sut.child.kill('SIGKILL');
        await sut.exited;
      }
      for (const pid of sut?.allPids() ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      if (run) rmSync(join(run.home, '..'), { recursive: true, force: true });
    });

    it('announces 8/8 ready with the API and fleet health URLs and a pid for each service', () => {
      expect(sut.text()).toContain(`http://localhost:${run.portBase}/api/fleet/health`);
      expect(sut.text()).toContain(`http://localhost:${run.portBase + 7}/metrics`);
      expect([...sut.pids().keys()].sort()).toEqual(
        ['agent-api', 'discord-connector', 'llm-router', 'plugin-supervisor', 'session-store', 'stt-gateway', 'tts-gateway', 'webrtc-gateway'],
      );
    });

    it('reports eight healthy services, one replica each, at the package version, and the providers they found', async () => {
      const health = await expectEventually(
        async () => {
          const report = await fleetHealth(run);
          expect(report.services.map((s) => s.status)).toEqual(Array(8).fill('healthy'));
          // Every stage's provider checked (the checks run in the background after start).
          expect(report.providers.map((p) => `${p.stage}:${p.reachable === null ? 'unchecked' : 'checked'}`).sort()).toEqual(['llm:checked', 'stt:checked', 'tts:checked']);
          return report;
        },
        { timeoutMs: 30_000, intervalMs: 200, context },
      );

      // No fake providers here: the fleet is healthy only when each stage has a provider that answers
      // (no LLM runs on this machine unless someone started Ollama: then degraded names it).
      expect(health.fake_providers).toBe(false);
      const silentStages = [...new Set(health.providers.map((p) => p.stage))].filter((stage) => health.providers.filter((p) => p.stage === stage).every((p) => p.reachable === false));
      expect(health.status).toBe(silentStages.length === 0 ? 'healthy' : 'degraded');
      expect(health.namespace).toBe(run.namespace);
      expect(health.services).toHaveLength(8);
      for (const service of health.services) {
        expect(service).toMatchObject({ status: 'healthy', replicas: 1, version: VERSION });
      }
    });

    it('restarts a service that was killed: unreachable first, healthy again after the restart', async () => {
      const [firstPid] = sut.pids().get('stt-gateway') ?? [];
      if (firstPid === undefined) throw new Error('no pid announced for stt-gateway');

      process.kill(firstPid, 'SIGKILL');

      await expectEventually(
        async () => {
          const report = await fleetHealth(run);
          expect(report.services.find((s) => s.name === 'stt-gateway')?.status).toBe('unreachable');
        },
        { timeoutMs: 15_000, intervalMs: 0, context },
      );
      await expectEventually(
        async () => {
          const report = await fleetHealth(run);
          expect(report.services.find((s) => s.name === 'stt-gateway')).toMatchObject({ status: 'healthy', replicas: 1 });
        },
        { timeoutMs: 60_000, intervalMs: 200, context },
      );
      expect(sut.text()).toContain('stt-gateway crashed (killed by SIGKILL)');
      const pids = sut.pids().get('stt-gateway') ?? [];
      expect(pids).toHaveLength(2);
      expect(pids[1]).not.toBe(firstPid);
    });

    it('stops everything on SIGTERM and exits 0, leaving no process behind', async () => {
      const pids = sut.allPids();
      expect(pids.length).toBeGreaterThanOrEqual(8);

      sut.child.kill('SIGTERM');
      const exit = await sut.exited;

      expect(exit).toEqual({ code: 0, signal: null });
      expect(sut.text()).toContain('stopped (exit 0)');
      expect(pids.filter(isAlive)).toEqual([]);
      expect(processesMentioning(`VOXBRIDGE_NAMESPACE=${run.namespace}`)).toEqual([]);
      expect(processesMentioning(run.home)).toEqual([]);
    });
  });

  describe('with --replicas 2', () => {
    const WORKERS = ['stt-gateway', 'llm-router', 'tts-gateway'];
    let run: Run;
    let sut: LauncherProcess;
    const context = () => sut.lastLines();

    beforeAll(async () => {
      const fresh = await newRun();
      // The fleet's eight ports and, after them, one more for each worker's second replica.
      const portBase = await freePortBase(8 + WORKERS.length);
      run = { ...fresh, portBase, env: { ...fresh.env, VOXBRIDGE_PORT_BASE: String(portBase) } };
      sut = LauncherProcess.start(run.env, ['--replicas', '2']);
      await expectEventually(
        () => {
          if (!sut.isRunning()) throw new Error(`launcher exited early (${sut.child.exitCode ?? sut.child.signalCode})`);
          expect(sut.text()).toContain('8/8 ready');
        },
        { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, context },
      );
    }, BOOT_TIMEOUT_MS + 10_000);

    afterAll(async () => {
      if (sut?.isRunning()) {
        sut.child.kill('SIGKILL');
        await sut.exited;
      }
      for (const pid of sut?.allPids() ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      if (run) rmSync(join(run.home, '..'), { recursive: true, force: true });
    });

    it('announces each replica under its own name and pid, and 8/8 ready once every replica is', () => {
      expect([...sut.pids().keys()].sort()).toEqual([
        'agent-api',
        'discord-connector',
        'llm-router#1',
        'llm-router#2',
        'plugin-supervisor',
        'session-store',
        'stt-gateway#1',
        'stt-gateway#2',
        'tts-gateway#1',
        'tts-gateway#2',
        'webrtc-gateway',
      ]);
      expect(sut.text()).toContain('2 replicas per worker');
      expect(sut.text()).toMatch(new RegExp(`stt-gateway#2\\s+http://localhost:${run.portBase + 8}/health`));
    });

    it('reports two replicas of stt-gateway, llm-router and tts-gateway in fleet health, one of every other service', async () => {
      const health = await expectEventually(
        async () => {
          const report = await fleetHealth(run);
          expect(report.services.filter((s) => WORKERS.includes(s.name)).map((s) => s.replicas)).toEqual([2, 2, 2]);
          return report;
        },
        { timeoutMs: 30_000, intervalMs: 200, context },
      );

      for (const service of health.services) {
        expect(service).toMatchObject({ status: 'healthy', replicas: WORKERS.includes(service.name) ? 2 : 1 });
      }
    });

    it('restarts a killed replica while the other keeps serving', async () => {
      const sttBefore = (await fleetHealth(run)).services.find((s) => s.name === 'stt-gateway')?.instances.map((i) => i.instance_id) ?? [];
      expect(sttBefore).toHaveLength(2);
      const [survivorPid] = sut.pids().get('stt-gateway#1') ?? [];
      const [killedPid] = sut.pids().get('stt-gateway#2') ?? [];
      if (survivorPid === undefined || killedPid === undefined) throw new Error('no pid announced for stt-gateway#1 or #2');

      process.kill(killedPid, 'SIGKILL');

      // While the second replica is down, the first still answers: healthy, with one replica.
      await expectEventually(
        async () => {
          const report = await fleetHealth(run);
          expect(report.services.find((s) => s.name === 'stt-gateway')).toMatchObject({ status: 'healthy', replicas: 1 });
        },
        { timeoutMs: 15_000, intervalMs: 0, context },
      );
      await expectEventually(() => expect(sut.pids().get('stt-gateway#2')).toHaveLength(2), { timeoutMs: 30_000, intervalMs: 100, context });
      const sttAfter = await expectEventually(
        async () => {
          const stt = (await fleetHealth(run)).services.find((s) => s.name === 'stt-gateway');
          expect(stt).toMatchObject({ status: 'healthy', replicas: 2 });
          return stt?.instances.map((i) => i.instance_id) ?? [];
        },
        { timeoutMs: 60_000, intervalMs: 200, context },
      );

      expect(sut.text()).toContain('stt-gateway#2 crashed (killed by SIGKILL)');
      expect(sut.pids().get('stt-gateway#2')?.[1]).not.toBe(killedPid);
      expect(sut.pids().get('stt-gateway#1')).toEqual([survivorPid]);
      expect(isAlive(survivorPid)).toBe(true);
      // One instance lived through it, the other is new.
      expect(sttAfter.filter((id) => sttBefore.includes(id))).toHaveLength(1);
    });

    it('stops every replica on SIGTERM and exits 0, leaving no process behind', async () => {
      const pids = sut.allPids();
      expect(pids.length).toBeGreaterThanOrEqual(8 + WORKERS.length);

      sut.child.kill('SIGTERM');
      const exit = await sut.exited;

      expect(exit).toEqual({ code: 0, signal: null });
      expect(pids.filter(isAlive)).toEqual([]);
      expect(processesMentioning(`VOXBRIDGE_NAMESPACE=${run.namespace}`)).toEqual([]);
    });
  });
});
