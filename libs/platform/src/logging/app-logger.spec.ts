import { Writable } from 'node:stream';
import { AppLogger } from './app-logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { sut: AppLogger.create({ service: 'stt-gateway', level: 'debug', format: 'json', destination: sink }), lines };
}

describe(AppLogger.name, () => {
  it('writes one JSON line with a static message, the service and the fields', () => {
    const { sut, lines } = capture();
    sut.child({ session_id: 's-1' }).info('utterance finalised', { utterance_id: 'u-1', duration_ms: 1200 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'stt-gateway', session_id: 's-1', msg: 'utterance finalised', utterance_id: 'u-1', duration_ms: 1200 });
    expect(typeof lines[0]?.['time']).toBe('string');
  });

  it('redacts what people said and secrets, even nested one level', () => {
    const { sut, lines } = capture();
    sut.info('transcript received', { transcript: 'my card number is 4242', user_id: 'u-77', provider: { api_key: 'sk-live-1' } });
    const line = JSON.stringify(lines[0]);
    expect(line).not.toContain('4242');
    expect(line).not.toContain('u-77');
    expect(line).not.toContain('sk-live-1');
    expect(lines[0]).toMatchObject({ transcript: '[redacted]', user_id: '[redacted]', provider: { api_key: '[redacted]' } });
  });

  it('serialises errors with their stack under err', () => {
    const { sut, lines } = capture();
    sut.error('provider failed', { err: new Error('ECONNRESET') });
    expect(lines[0]).toMatchObject({ level: 'error', err: { message: 'ECONNRESET', type: 'Error' } });
  });
});
