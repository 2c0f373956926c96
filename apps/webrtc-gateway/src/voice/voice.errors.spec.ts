import { closeCodeOf, closeReason, VoiceSetupErrorCode } from './voice.errors';

describe(closeCodeOf.name, () => {
  it.each([
    [VoiceSetupErrorCode.BadRequest, 1008],
    [VoiceSetupErrorCode.Unauthorized, 1008],
    [VoiceSetupErrorCode.AgentNotFound, 4404],
    [VoiceSetupErrorCode.SessionNotFound, 4404],
    [VoiceSetupErrorCode.ServiceFailed, 1011],
  ])('closes %s with %i', (code, closeCode) => {
    expect(closeCodeOf(code)).toBe(closeCode);
  });
});

describe(closeReason.name, () => {
  it('keeps a reason that fits a close frame', () => {
    expect(closeReason('agent not found')).toBe('agent not found');
  });

  it('cuts a long reason to at most 123 bytes without splitting a character', () => {
    const reason = closeReason(`unauthorized: ${'é'.repeat(100)}`);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason).toMatch(/^unauthorized: é+\.\.\.$/);
  });
});
