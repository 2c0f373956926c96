import { Readable } from 'node:stream';
import {
  AudioPlayerStatus,
  createAudioPlayer,
  createAudioResource,
  NoSubscriberBehavior,
  StreamType,
  type AudioPlayer,
  type AudioPlayerState,
  type VoiceConnection,
} from '@discordjs/voice';
import type { Frame } from '@voxbridge/bus';
import type { ControlEvent, TurnEvent } from '@voxbridge/contracts';
import type { AppLogger } from '@voxbridge/platform';
import type { VoiceCounter } from '../bots/bots.metrics';
import { AgentVoiceEncoder } from './discord-audio';

/**
 * Missing packets the player bridges with silence before it lets a resource go (5 s): pauses
 * between sentences and tts-gateway holding at a `voice_onset` stay within one resource; a turn whose
 * audio stops without an end lets the channel go quiet.
 */
const MAX_MISSED_FRAMES = 250;
/** Turn ids remembered as over: enough for a few overlapping turns, bounded however long the channel lives. */
const REMEMBERED_TURNS = 32;

export interface ChannelSpeakerDeps {
  connection: VoiceConnection;
  /** The turn's first packet went to the channel (the `delivered` fact, as every gateway reports it). */
  delivered(turnId: string, atMs: number): void;
  count(what: VoiceCounter, by?: number): void;
  logger: AppLogger;
}

/** The Opus packets of one resource; the player pulls one per 20 ms, and each one pulled is counted as played. */
class PacketStream extends Readable {
  constructor(private readonly played: () => void) {
    super({ objectMode: true });
  }

  override _read(): void {
    // Fed by push() as audio.out arrives.
  }

  override read(size?: number): unknown {
    const packet: unknown = super.read(size);
    if (packet) this.played();
    return packet;
  }
}

/**
 * The agent's voice in the channel: `audio.out` (24 kHz mono, paced by tts-gateway) → 48 kHz
 * stereo → Opus → an AudioPlayer on the connection, as it arrives, sentence after sentence. A turn
 * tts-gateway interrupts (barge-in) or that is cancelled stops at once and the rest of its frames
 * are dropped, so what was played is what tts-gateway counted as heard.
 */
export class ChannelSpeaker {
  private readonly player: AudioPlayer;
  private readonly encoder = new AgentVoiceEncoder();
  private readonly over: string[] = [];
  /** The turn being played, whether its first packet went out yet, and the stream feeding the player's current resource. */
  private turnId: string | undefined;
  private deliveredTurnId: string | undefined;
  private stream: Readable | undefined;
  private closed = false;

  constructor(private readonly deps: ChannelSpeakerDeps) {
    this.player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play, maxMissedFrames: MAX_MISSED_FRAMES } });
    this.player.on('error', (error) => deps.logger.warn('discord audio player failed', { err: error }));
    this.player.on('stateChange', (before, after) => this.stateChanged(before, after));
    deps.connection.subscribe(this.player);
  }

  /** The turn whose audio is playing (undefined: the agent is silent). */
  get speakingTurn(): string | undefined {
    return this.turnId;
  }

  audioOut(frame: Frame): void {
    if (this.closed) return;
    const turnId = frame.turnId;
    if (turnId !== undefined && this.over.includes(turnId)) {
      this.deps.count('frames_dropped');
      return;
    }
    if (turnId !== this.turnId) {
      // tts-gateway speaks one turn at a time: a new one means the last is over.
      if (this.turnId !== undefined) this.stop(this.turnId);
      this.turnId = turnId;
    }
    const packets = this.encoder.encode(frame.payload);
    if (packets.length > 0) this.feed(packets);
  }

  turn(event: TurnEvent): void {
    switch (event.state) {
      case 'interrupted':
        this.stop(event.turn_id);
        return;
      case 'done':
        if (this.turnId === event.turn_id) {
          // Everything of the turn has arrived: play out what is queued, then let the resource end.
          const tail = this.encoder.flush();
          if (tail.length > 0) this.feed(tail);
          this.stream?.push(null);
          this.stream = undefined;
          this.remember(event.turn_id);
          this.turnId = undefined;
        }
        return;
      case 'thinking':
      case 'speaking':
      case 'listening':
        return;
    }
  }

  control(event: ControlEvent): void {
    if (event.action !== 'cancel') return;
    const turnId = event.turn_id ?? this.turnId;
    if (turnId !== undefined) this.stop(turnId);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.turnId !== undefined) this.stop(this.turnId);
    this.player.stop(true);
    this.player.removeAllListeners();
    this.encoder.close();
  }

  /** The turn is over for this channel: what is queued is dropped, the player stops at once. */
  private stop(turnId: string): void {
    this.remember(turnId);
    if (this.turnId !== turnId) return;
    this.turnId = undefined;
    this.encoder.reset();
    const stream = this.stream;
    this.stream = undefined;
    this.player.stop(true);
    stream?.destroy();
    this.deps.logger.debug('discord playback stopped', { turn_id: turnId });
  }

  /** The stream the player still reads (not idle, not already playing its end padding), if any. */
  private liveStream(): Readable | undefined {
    const state = this.player.state;
    if (!this.stream || state.status === AudioPlayerStatus.Idle) return undefined;
    const { resource } = state;
    return resource.playStream === this.stream && resource.silenceRemaining === -1 && !resource.ended ? this.stream : undefined;
  }

  private feed(packets: Buffer[]): void {
    const live = this.liveStream();
    if (live) {
      for (const packet of packets) live.push(packet);
      return;
    }
    // A new resource: the first of the turn, or after the last one ran dry and let go.
    this.stream?.destroy();
    const turnId = this.turnId;
    const stream = new PacketStream(() => this.played(turnId));
    this.stream = stream;
    for (const packet of packets) stream.push(packet);
    this.player.play(createAudioResource(stream, { inputType: StreamType.Opus }));
  }

  /** A packet left for the channel; the turn's first is its `delivered` fact. */
  private played(turnId: string | undefined): void {
    this.deps.count('packets_out');
    if (turnId !== undefined && turnId !== this.deliveredTurnId) {
      this.deliveredTurnId = turnId;
      this.deps.delivered(turnId, Date.now());
    }
  }

  /** A resource ended (played out, ran dry or stopped): its stream goes with it. */
  private stateChanged(before: AudioPlayerState, after: AudioPlayerState): void {
    if (before.status === AudioPlayerStatus.Idle || after.status !== AudioPlayerStatus.Idle) return;
    if (this.stream && before.resource.playStream === this.stream) {
      this.stream.destroy();
      this.stream = undefined;
    }
  }

  private remember(turnId: string): void {
    if (this.over.includes(turnId)) return;
    this.over.push(turnId);
    if (this.over.length > REMEMBERED_TURNS) this.over.shift();
  }
}
