import { DEFAULT_AGENT_DEADLINES } from '@voxbridge/contracts';
import { SttError, SttErrorCode, type FinalTranscript, type PartialTranscript, type SttOpenOptions, type SttProvider, type SttStream } from '../providers';
import { FRAMES_PER_WRITE, ProviderLink, type UtteranceHandle } from './provider-link';
import { providerLinkOptions, type SessionWorkerOptions } from './session-worker';

/** A stream that records each write's bytes (the first byte of every 640-byte frame names it) and each finalize. */
class RecordingStream implements SttStream {
  readonly log: string[] = [];
  failWrites = false;

  write(pcm16Frame: Uint8Array): void {
    if (this.failWrites) throw new SttError(SttErrorCode.Protocol, 'fake', 'socket gone');
    const names: number[] = [];
    for (let offset = 0; offset < pcm16Frame.byteLength; offset += 640) names.push(pcm16Frame[offset] ?? -1);
    this.log.push(`write ${names.join(',')}`);
  }

  finalize(): Promise<FinalTranscript> {
    this.log.push('finalize');
    return Promise.resolve({ text: 'ok', utterance: 0, audioMs: 0 });
  }

  onPartial(_listener: (partial: PartialTranscript) => void): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    this.log.push('close');
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<PartialTranscript> {
    return { next: () => Promise.resolve({ done: true, value: undefined }) };
  }
}

function setup() {
  const stream = new RecordingStream();
  const provider: SttProvider = { name: 'fake', capabilities: { partials: false, streaming: true }, open: () => Promise.resolve(stream) };
  const failures: SttError[] = [];
  const sut = new ProviderLink(provider, { language: 'en', streamId: 's', signal: new AbortController().signal }, { partial: () => undefined, failed: (_u, error) => failures.push(error) });
  return { sut, stream, failures };
}

const frame = (name: number) => new Uint8Array(640).fill(name);
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe(ProviderLink.name, () => {
  it(`writes the pre-roll in one piece, then ${FRAMES_PER_WRITE} frames per write, and the rest before the final`, async () => {
    const { sut, stream } = setup();
    const utterance: UtteranceHandle = { id: 'u1' };
    sut.begin(utterance, [frame(1), frame(2), frame(3), frame(4), frame(5)]);
    await settle();
    for (let name = 6; name <= 12; name++) sut.push(utterance, frame(name));
    const final = await sut.finish(utterance);

    expect(final.text).toBe('ok');
    expect(stream.log).toEqual(['write 1,2,3,4,5', 'write 6,7,8', 'write 9,10,11', 'write 12', 'finalize']);
  });

  it("never mixes two utterances' frames in one write", async () => {
    const { sut, stream } = setup();
    const first: UtteranceHandle = { id: 'u1' };
    const second: UtteranceHandle = { id: 'u2' };
    sut.begin(first, [frame(1)]);
    await settle();
    sut.push(first, frame(2));
    sut.begin(second, [frame(3)]);
    sut.push(second, frame(4));
    void sut.finish(first);
    await sut.finish(second);

    // The order of the calls, as without batching: frame 4 was pushed before the first finish.
    expect(stream.log).toEqual(['write 1', 'write 2', 'write 3', 'write 4', 'finalize', 'finalize']);
  });

  it('a failed write fails the utterance of its frames, once, and its final rejects with that error', async () => {
    const { sut, stream, failures } = setup();
    const utterance: UtteranceHandle = { id: 'u1' };
    sut.begin(utterance, [frame(1)]);
    await settle();
    stream.failWrites = true;
    for (let name = 2; name <= 2 + FRAMES_PER_WRITE; name++) sut.push(utterance, frame(name));

    await expect(sut.finish(utterance)).rejects.toMatchObject({ code: SttErrorCode.Protocol });
    expect(failures).toHaveLength(1);
    expect(stream.log).toContain('close');
  });
});

describe("the agent's stt_final_ms reaches the provider", () => {
  const worker = (deadlines: SessionWorkerOptions['deadlines']): SessionWorkerOptions => ({
    sessionId: 'session-1',
    agentId: 'agent-1',
    language: 'de',
    silenceMs: 600,
    maxUtteranceMs: 30_000,
    provider: { ok: false, error: new SttError(SttErrorCode.Unavailable, 'none', 'unused here') },
    howToConfigure: '',
    onEnd: () => undefined,
    deadlines,
  });

  async function openedWith(options: SessionWorkerOptions): Promise<SttOpenOptions | undefined> {
    let opened: SttOpenOptions | undefined;
    const provider: SttProvider = {
      name: 'fake',
      capabilities: { partials: false, streaming: true },
      open: (openOptions) => {
        opened = openOptions;
        return Promise.resolve(new RecordingStream());
      },
    };
    const sut = new ProviderLink(provider, providerLinkOptions(options, new AbortController().signal), { partial: () => undefined, failed: () => undefined });
    const utterance: UtteranceHandle = { id: 'u1' };
    sut.begin(utterance, [frame(1)]);
    await sut.finish(utterance);
    return opened;
  }

  it('opens the stream with the agent\'s final deadline', async () => {
    expect(await openedWith(worker({ stt_final_ms: 1_200 }))).toMatchObject({ language: 'de', streamId: 'session-1', finalDeadlineMs: 1_200 });
  });

  it('uses the default when the agent left it null, or has no deadlines at all', async () => {
    expect((await openedWith(worker({ stt_final_ms: null })))?.finalDeadlineMs).toBe(DEFAULT_AGENT_DEADLINES.stt_final_ms);
    expect((await openedWith(worker(null)))?.finalDeadlineMs).toBe(DEFAULT_AGENT_DEADLINES.stt_final_ms);
  });
});
