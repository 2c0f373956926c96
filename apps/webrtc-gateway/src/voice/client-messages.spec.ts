import { isAudioInFrame, parseClientMessage, wrongFrameSizeMessage } from './client-messages';

describe(parseClientMessage.name, () => {
  it.each(['mute', 'unmute', 'interrupt', 'end'])('accepts {"type":"%s"}', (type) => {
    expect(parseClientMessage(JSON.stringify({ type }))).toEqual({ ok: true, action: type });
  });

  it.each([
    ['mute', 'text messages must be JSON: {"type": "mute" | "unmute" | "interrupt" | "end"}'],
    ['[1]', 'message must be a JSON object'],
    ['null', 'message must be a JSON object'],
    ['{}', 'type must be one of mute, unmute, interrupt, end'],
    ['{"type":"dance"}', 'type must be one of mute, unmute, interrupt, end'],
    ['{"type":"end","now":true}', 'unknown fields: now'],
  ])('refuses %s naming the problem', (text, message) => {
    expect(parseClientMessage(text)).toEqual({ ok: false, message });
  });
});

describe(isAudioInFrame.name, () => {
  it('accepts exactly one 20 ms frame of 16 kHz PCM16', () => {
    expect(isAudioInFrame(640)).toBe(true);
    expect([0, 639, 641, 1280].map(isAudioInFrame)).toEqual([false, false, false, false]);
  });

  it('names the expected size in the error', () => {
    expect(wrongFrameSizeMessage(100)).toBe('audio frames must be 640 bytes (20 ms of PCM16 mono at 16000 Hz); got 100 bytes, dropped');
  });
});
