import { VoiceConnectionStatus, type DAVESession, type VoiceConnection } from '@discordjs/voice';
import type { AppLogger } from '@voxbridge/platform';

/**
 * DAVE (Discord's end-to-end audio encryption) as @discordjs/voice 0.19.2 runs it, and what we add.
 *
 * The library's `DAVESession` drops up to `decryptionFailureTolerance` (36) undecryptable packets in
 * a row silently; past that it re-initialises the session itself (opcode 31 + a fresh key package)
 * when the last executed transition id is non-zero, but with transition id 0 (or none yet) it
 * throws, and the receiver destroys that speaker's stream. Nothing re-initialises the session then,
 * so every later packet fails too. We do what the library does for a non-zero id: invalidate the
 * transition and re-initialise (`recoverFromInvalidTransition`), then the listener subscribes again.
 */

/** The connection's live DAVE session, when DAVE was negotiated (none with DAVE off, as in the fake Discord). */
export function daveSessionOf(connection: VoiceConnection): DAVESession | undefined {
  const state = connection.state;
  if (state.status !== VoiceConnectionStatus.Ready && state.status !== VoiceConnectionStatus.Connecting) return undefined;
  const dave: unknown = Reflect.get(state.networking.state, 'dave');
  return dave && typeof dave === 'object' ? (dave as DAVESession) : undefined;
}

/**
 * True when the library gave up on DAVE decryption and threw (failures past its tolerance, not
 * re-initialising, no non-zero transition to invalidate). Reads two private fields of 0.19.2's
 * DAVESession; a release without them reads as "did not give up" (no recovery, no harm).
 */
export function daveGaveUp(dave: DAVESession): boolean {
  const failures: unknown = Reflect.get(dave, 'consecutiveFailures');
  const tolerance: unknown = Reflect.get(dave, 'failureTolerance');
  return typeof failures === 'number' && typeof tolerance === 'number' && failures > tolerance && !dave.reinitializing && !dave.lastTransitionId;
}

/** After a receive stream failed: re-initialise a DAVE session the library gave up on. True when it did. */
export function recoverDave(connection: VoiceConnection): { transitionId: number } | undefined {
  const dave = daveSessionOf(connection);
  if (!dave || !daveGaveUp(dave)) return undefined;
  const transitionId = dave.lastTransitionId ?? 0;
  dave.recoverFromInvalidTransition(transitionId);
  return { transitionId };
}

const DAVE_ERROR = /dave|mls|decrypt|commit|welcome|proposal|key ?package|passthrough/i;

/** An error the connection reported that comes from end-to-end decryption (DAVE / @snazzah/davey). */
export function isDaveError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return DAVE_ERROR.test(`${error.name} ${error.message}`);
}

/**
 * A voice connection's `error` events (its WebSocket, UDP socket and DAVE session report there).
 * Without a listener Node would throw them and end the process; here they are logged, DAVE ones
 * counted as decryption failures, and the connection recovers or is rejoined by its watcher.
 * Returns the detach function.
 */
export function watchConnectionErrors(connection: VoiceConnection, deps: { countDecryptionFailure(): void; logger: AppLogger; guildId: string }): () => void {
  const onError = (error: Error) => {
    const dave = isDaveError(error);
    if (dave) deps.countDecryptionFailure();
    deps.logger.warn(dave ? 'discord voice DAVE error; the connection goes on' : 'discord voice connection error', { guild_id: deps.guildId, err: error });
  };
  connection.on('error', onError);
  return () => connection.off('error', onError);
}
