import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { AudioReceiveStream, VoiceReceiver } from '@discordjs/voice';
import type { FrameMeta } from '@voxbridge/bus';
import { AppLogger } from '@voxbridge/platform';
import { encodePcmToOpus, sinePcm } from '@voxbridge/testing';
import type { VoiceCounter } from '../bots/bots.metrics';
import { ChannelListener } from './channel-listener';

const ALICE = '200000000000000001';
const BOT = '300000000000000001';

/** The receiver's surface the listener uses: `speaking` start events and one stream per subscribed user. */
class FakeReceiver {
  readonly speaking = new EventEmitter();
  readonly subscriptions = new Map<string, PassThrough>();
  subscribeCount = 0;

  subscribe(userId: string): AudioReceiveStream {
    this.subscribeCount++;
    const existing = this.subscriptions.get(userId);
    if (existing) return existing as unknown as AudioReceiveStream;
    const stream = new PassThrough({ objectMode: true });
    stream.once('close', () => this.subscriptions.delete(userId));
    this.subscriptions.set(userId, stream);
    return stream as unknown as AudioReceiveStream;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe(ChannelListener.name, () => {
  let receiver: FakeReceiver;
  let published: Array<{ payload: Uint8Array; meta: FrameMeta }>;
  let counted: Partial<Record<VoiceCounter, number>>;
  let sut: ChannelListener;

  beforeEach(() => {
    receiver = new FakeReceiver();
    published = [];
    counted = {};
    sut = new ChannelListener({
      receiver: receiver as unknown as VoiceReceiver,
      nameOf: (userId) => (userId === ALICE ? 'Alice' : userId),
      ignore: (userId) => userId === BOT,
      publish: (payload, meta) => published.push({ payload, meta }),
      count: (what, by = 1) => (counted[what] = (counted[what] ?? 0) + by),
      logger: AppLogger.create({ service: 'discord-connector', level: 'silent', format: 'json' }),
    });
  });

  afterEach(() => sut.close());

  it('subscribes to a person when they start speaking and publishes their frames with their id and name', async () => {
    receiver.speaking.emit('start', ALICE);
    for (const packet of encodePcmToOpus(sinePcm({ frequencyHz: 300, durationMs: 100 }))) receiver.subscriptions.get(ALICE)?.write(packet);
    await tick();

    expect(published.length).toBeGreaterThanOrEqual(4);
    expect(published.every(({ payload, meta }) => payload.byteLength === 640 && meta.speakerId === ALICE && meta.speakerName === 'Alice')).toBe(true);
    expect(published.map(({ meta }) => meta.seq)).toEqual(published.map((_, i) => i));
    expect(counted.packets_in).toBe(5);
    expect(sut.current()).toEqual([ALICE]);
  });

  it('never listens to bots', () => {
    receiver.speaking.emit('start', BOT);

    expect(receiver.subscribeCount).toBe(0);
  });

  it('subscribes again when a stream is destroyed by a decryption failure, a bounded number of times', async () => {
    receiver.speaking.emit('start', ALICE);

    for (let i = 0; i < 7; i++) {
      receiver.subscriptions.get(ALICE)?.destroy(new Error('Failed to decrypt'));
      await tick();
    }

    expect(counted.decryption_failures).toBe(6); // the sixth failure's stream is not replaced
    expect(counted.resubscribes).toBe(5);
    expect(receiver.subscriptions.has(ALICE)).toBe(false);
    // Speaking again is a fresh start.
    receiver.speaking.emit('start', ALICE);
    expect(receiver.subscriptions.has(ALICE)).toBe(true);
  });

  it('stops listening to a person who left the channel, without subscribing again', async () => {
    receiver.speaking.emit('start', ALICE);
    sut.forget(ALICE);
    await tick();

    expect(receiver.subscriptions.has(ALICE)).toBe(false);
    expect(sut.current()).toEqual([]);
    expect(counted.resubscribes).toBeUndefined();
  });
});
