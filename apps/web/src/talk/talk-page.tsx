import './talk.css';
import { useEffect, useRef, useState } from 'react';
import type { Agent } from '../api/api-types';
import { useApi } from '../auth/auth';
import { committedMessages, useLiveEvents } from '../events/use-live-events';
import { links } from '../router';
import { FailedAnswer, failureSummary } from '../ui/failed-turn';
import { LatencyBreakdown } from '../ui/latency-breakdown';
import { useResource } from '../ui/use-resource';
import { ErrorBanner, Loading, PageHeader } from '../ui/widgets';
import { indicatorOf, MAX_RECONNECT_ATTEMPTS, type Indicator, type TalkError, type TalkState, type TalkTurn } from './talk-machine';
import { LevelMeter, MicrophonePicker, TextTurnForm, VolumeSlider } from './call-controls';
import { useMicrophoneChoice, useMicrophones, useOutputVolume } from './talk-settings';
import { useTalk } from './use-talk';

const INDICATOR_TEXT: Record<Indicator, string> = {
  idle: 'Microphone off',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  listening: 'Listening',
  thinking: 'Thinking…',
  speaking: 'Speaking',
  interrupted: 'Interrupted — listening',
};

function preferredAgent(agents: Agent[], requested: string | null): string {
  return (agents.find((a) => a.id === requested) ?? agents.find((a) => a.is_default) ?? agents[0])?.id ?? '';
}

export function TalkPage({ requestedAgentId }: { requestedAgentId: string | null }) {
  const api = useApi();
  const agents = useResource(() => api.listAgents(), 'agents');
  const talk = useTalk(api);
  const [chosen, setChosen] = useState<string | null>(null);
  const [microphoneId, setMicrophoneId] = useMicrophoneChoice();
  const [volume, setVolume] = useOutputVolume();
  const { microphones, refresh: refreshMicrophones } = useMicrophones();
  const { state } = talk;
  const indicator = indicatorOf(state);
  const active = state.connection !== 'idle' && state.connection !== 'failed';
  const agentId = chosen ?? preferredAgent(agents.data ?? [], requestedAgentId);
  const interruptible = indicator === 'thinking' || indicator === 'speaking';

  // The voice socket does not say which stage and provider failed, nor show the apology spoken
  // instead: the stored turn (`turn_committed` on /ws/events) does.
  useLiveEvents((event) => {
    const messages = committedMessages(event);
    if (messages && state.sessionId && messages.some((message) => message.session_id === state.sessionId)) talk.turnCommitted(messages);
  });

  // Labels of microphones appear once the user has allowed one: list them again when a call opens.
  useEffect(() => {
    if (state.connection === 'open') refreshMicrophones();
  }, [state.connection, refreshMicrophones]);

  function chooseMicrophone(deviceId: string | null) {
    setMicrophoneId(deviceId);
    if (active) talk.switchMicrophone(deviceId);
  }

  function changeVolume(next: number) {
    setVolume(next);
    talk.setOutputVolume(next);
  }

  return (
    <div className="talk-page">
      <PageHeader title="Talk" />
      <ErrorBanner error={agents.error} title="Could not load the agents" testId="agents-error" />
      {agents.loading && !agents.data && <Loading what="agents" />}
      {agents.data?.length === 0 && (
        <p className="banner">
          There is no agent yet. <a href={links.agents()}>Create one</a> to talk to it.
        </p>
      )}
      <section className="card talk-setup" aria-label="Call setup">
        <div className="field">
          <label htmlFor="talk-agent">Agent</label>
          <select id="talk-agent" value={agentId} disabled={active || !agents.data?.length} onChange={(event) => setChosen(event.target.value)}>
            {(agents.data ?? []).map((agent) => (
              <option key={agent.id} value={agent.id}>
                {agent.name}
                {agent.is_default ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </div>
        <MicrophonePicker microphones={microphones} value={microphoneId} onChange={chooseMicrophone} />
      </section>

      <ConnectionStatus state={state} />
      {state.error && <TalkErrorBanner error={state.error} onDismiss={talk.dismissError} />}

      <Conversation state={state} />

      <section className="card call-bar" aria-label="Call controls">
        <div className="call-bar-row">
          <button
            type="button"
            className={`mic ${active ? 'mic-on' : ''}`}
            data-testid="mic-button"
            data-active={active}
            disabled={!active && !agentId}
            onClick={() => (active ? talk.stop() : talk.start(agentId, { microphoneId, outputVolume: volume }))}
          >
            <span aria-hidden="true" className="mic-icon">
              {active ? '■' : '●'}
            </span>
            {active ? 'End call' : 'Start talking'}
          </button>
          {active && (
            <button
              type="button"
              className={`mute ${state.muted ? 'mute-on' : ''}`}
              data-testid="mute-button"
              aria-pressed={state.muted}
              onClick={() => talk.setMuted(!state.muted)}
            >
              {state.muted ? 'Unmute' : 'Mute'}
            </button>
          )}
          {active && (
            <button type="button" data-testid="interrupt-button" disabled={!interruptible} onClick={talk.interrupt}>
              Interrupt
            </button>
          )}
          <div
            className={`indicator indicator-${indicator}`}
            data-testid="turn-state"
            data-state={indicator}
            data-user-speaking={state.userSpeaking}
            data-muted={state.muted}
            role="status"
          >
            <span className="dot" aria-hidden="true" />
            {indicatorText(indicator, state)}
          </div>
        </div>
        <div className="call-bar-row">
          <LevelMeter read={talk.inputLevel} active={state.connection === 'open'} muted={state.muted} />
          {state.muted && (
            <span className="badge badge-warn" data-testid="muted-badge">
              Microphone muted: the agent hears nothing
            </span>
          )}
          <VolumeSlider volume={volume} onChange={changeVolume} />
        </div>
        <TextTurnForm enabled={state.connection === 'open' && state.sessionId !== null} onSend={talk.sendText} />
      </section>
    </div>
  );
}

function indicatorText(indicator: Indicator, state: TalkState): string {
  if (state.muted && indicator === 'listening') return 'Muted';
  if (state.userSpeaking && indicator !== 'speaking' && !state.muted) return 'Hearing you';
  return INDICATOR_TEXT[indicator];
}

function ConnectionStatus({ state }: { state: TalkState }) {
  if (state.connection === 'reconnecting' && state.retryInMs !== null) {
    return (
      <p className="banner banner-warn" data-testid="connection-status" role="status">
        Connection lost{state.lastCloseReason ? ` (${state.lastCloseReason})` : ''}. Reconnecting to the same conversation in{' '}
        {Math.round(state.retryInMs / 100) / 10} s (attempt {state.reconnectAttempt} of {MAX_RECONNECT_ATTEMPTS}).
      </p>
    );
  }
  if (state.sessionId) {
    const inCall = state.connection === 'open' || state.connection === 'connecting' || state.connection === 'reconnecting';
    const who = state.agentName ?? 'the agent';
    return (
      <p className="muted small" data-testid="connection-status" data-in-call={inCall}>
        {inCall ? `Talking with ${who}. ` : `The call with ${who} has ended. `}
        This conversation is saved: <a href={links.conversation(state.sessionId)}>open its transcript</a>.
      </p>
    );
  }
  return null;
}

const SOURCE_TITLE: Record<TalkError['source'], string> = {
  service: 'A service failed',
  connection: 'Voice connection problem',
  microphone: 'Microphone problem',
};

function TalkErrorBanner({ error, onDismiss }: { error: TalkError; onDismiss(): void }) {
  return (
    <div className="banner banner-error talk-error" role="alert" data-testid="error-banner" data-code={error.code} data-source={error.source}>
      <div>
        <strong>{error.service ? `${error.service} failed` : SOURCE_TITLE[error.source]}</strong>
        <p>{error.message}</p>
        <p className="muted small">Code: {error.code}</p>
      </div>
      <button type="button" className="ghost" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}

function Conversation({ state }: { state: TalkState }) {
  const end = useRef<HTMLDivElement>(null);
  const lastTurn = state.turns[state.turns.length - 1];
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [state.turns.length, lastTurn?.reply, state.partial]);

  return (
    <section className="conversation" aria-label="Conversation">
      {state.turns.length === 0 && !state.partial && (
        <p className="muted">
          {state.connection === 'open' ? 'Say something, or type below: the agent answers as soon as you pause.' : 'Press Start talking and speak.'}
        </p>
      )}
      {state.turns.map((turn) => (
        <TurnView key={turn.key} turn={turn} />
      ))}
      <p className="bubble user partial" data-testid="partial-transcript">
        {state.partial}
      </p>
      <div ref={end} />
      <p className="visually-hidden" aria-live="polite" data-testid="live-announcement">
        {newestMessage(state.turns, state.agentName ?? undefined)}
      </p>
    </section>
  );
}

/**
 * What the live region says: the newest complete message only (the user's words once final, the
 * agent's reply once finished), so a screen reader is not read the whole conversation again.
 */
export function newestMessage(turns: TalkTurn[], agentName = 'Agent'): string {
  const last = turns[turns.length - 1];
  if (!last) return '';
  if (last.failure) return `${agentName}: ${failureSummary(last.failure.error)}.${last.failure.said ? ` Said instead: ${last.failure.said}` : ''}`;
  if (last.reply && (last.status === 'done' || last.status === 'interrupted')) return `${agentName}: ${last.reply}`;
  return last.userText ? `You: ${last.userText}` : '';
}

function TurnView({ turn }: { turn: TalkTurn }) {
  const interrupted = turn.status === 'interrupted';
  const heard = interrupted && turn.heardText !== null && turn.reply.startsWith(turn.heardText) ? turn.heardText : null;
  return (
    <article className="turn" data-testid="turn" data-turn-id={turn.turnId ?? ''} data-status={turn.status} data-failed={turn.failure ? 'true' : undefined}>
      {turn.userText && (
        <p className="bubble user" data-testid="final-transcript">
          {turn.userText}
        </p>
      )}
      {turn.failure && <FailedAnswer error={turn.failure.error} said={turn.failure.said} />}
      {!turn.failure && (turn.reply || turn.status === 'thinking') && (
        <div className="bubble agent">
          <p data-testid="reply-text">
            {heard !== null ? (
              <>
                {heard}
                <span className="unheard">
                  {turn.reply.slice(heard.length)}
                </span>
              </>
            ) : (
              turn.reply
            )}
          </p>
          {!turn.reply && <span className="muted" aria-label="The agent is thinking">…</span>}
          {interrupted && (
            <p className="small muted">
              <span className="badge badge-warn">Interrupted</span>
              {heard !== null && turn.reply.length > heard.length && ' Struck through: not spoken.'}
            </p>
          )}
        </div>
      )}
      {turn.metrics && <LatencyBreakdown latencies={turn.metrics} testId="turn-metrics" />}
    </article>
  );
}
