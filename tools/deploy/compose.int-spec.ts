import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SERVICE_NAMES } from '@voxbridge/contracts';
import { roots } from './generate';

const { repoRoot } = roots();

/** Validated by a real compose implementation (Debian's docker-compose, installed by .ci/run); no engine needed. */
function composeConfig(...args: string[]): string {
  return execFileSync('docker-compose', ['-f', join(repoRoot, 'docker-compose.yml'), ...args, 'config'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, COMPOSE_PROJECT_NAME: 'voxbridge' },
  });
}

describe('docker-compose config', () => {
  it('accepts docker-compose.yml and resolves the eight services, NATS, Postgres and the migrate job', () => {
    const sut = parse(composeConfig()) as { services: Record<string, { profiles?: string[] }> };
    const always = Object.entries(sut.services).filter(([, service]) => !service.profiles).map(([name]) => name);
    expect(always.sort()).toEqual([...SERVICE_NAMES, 'migrate', 'nats', 'postgres'].sort());
  });

  it('adds WhisperX, Chatterbox and Ollama with their profiles', () => {
    const sut = parse(composeConfig('--profile', 'whisperx', '--profile', 'chatterbox', '--profile', 'ollama')) as { services: Record<string, unknown> };
    expect(Object.keys(sut.services)).toEqual(expect.arrayContaining(['whisperx', 'chatterbox', 'ollama']));
  });
});
