import { joinUrl } from './provider-url';

describe(joinUrl.name, () => {
  it.each([
    ['http://chatterbox-tts:4123', 'http://chatterbox-tts:4123/audio/speech/stream/upload'],
    ['http://chatterbox-tts:4123/', 'http://chatterbox-tts:4123/audio/speech/stream/upload'],
    ['http://tts:4121', 'http://tts:4121/audio/speech/stream/upload'],
    ['http://tts.dev/v', 'http://tts.dev/v/audio/speech/stream/upload'],
    ['http://gpu-box:8001/chatterbox/v1/', 'http://gpu-box:8001/chatterbox/v1/audio/speech/stream/upload'],
  ])('keeps the base %s intact (no character stripping)', (base, expected) => {
    expect(joinUrl(base, 'audio/speech/stream/upload').toString()).toBe(expected);
  });

  it.each([
    ['http://localhost:8000', 'http://localhost:8000/v1/audio/speech'],
    ['https://api.openai.com/v1', 'https://api.openai.com/v1/audio/speech'],
    ['https://api.openai.com/v1/', 'https://api.openai.com/v1/audio/speech'],
    ['http://box/v11', 'http://box/v11/v1/audio/speech'],
  ])('adds /v1 to %s only when it is not already the last segment', (base, expected) => {
    expect(joinUrl(base, 'v1/audio/speech', { skipLeadingSegment: true }).toString()).toBe(expected);
  });
});
