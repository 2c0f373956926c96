import './conversations.css';
import { useState } from 'react';
import type { ExportFormat } from '../api/api-client';
import type { MessageDto } from '../api/api-types';
import { useApi } from '../auth/auth';
import { useLiveEvents } from '../events/use-live-events';
import { links, navigate } from '../router';
import { saveBlob } from '../ui/download';
import { FailedAnswer } from '../ui/failed-turn';
import { hasLatencies, LatencyBreakdown } from '../ui/latency-breakdown';
import { useResource } from '../ui/use-resource';
import { ConfirmButton, ErrorBanner, formatDate, Loading, PageHeader } from '../ui/widgets';

export function TranscriptPage({ sessionId }: { sessionId: string }) {
  const api = useApi();
  const session = useResource(() => api.getSession(sessionId), sessionId);
  const messages = useResource(() => api.listMessages(sessionId), sessionId);
  const agents = useResource(() => api.listAgents(), 'agents');
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);

  useLiveEvents((event) => {
    const data = event.data as { session_id?: string; id?: string } | null;
    if (event.event === 'turn_committed' && data?.session_id === sessionId) messages.reload();
    if (event.event === 'session_ended' && data?.id === sessionId) session.reload();
  });

  async function remove() {
    try {
      await api.deleteSession(sessionId);
      navigate(links.conversations());
    } catch (error) {
      setDeleteError(error);
    }
  }

  async function download(format: ExportFormat) {
    setExporting(format);
    setExportError(null);
    try {
      const { blob, filename } = await api.exportSession(sessionId, format);
      saveBlob(blob, filename);
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(null);
    }
  }

  const agentName = agents.data?.find((a) => a.id === session.data?.agent_id)?.name;
  return (
    <>
      <p>
        <a href={links.conversations()}>← All conversations</a>
      </p>
      <PageHeader title={session.data?.title ?? 'Conversation'}>
        {session.data && (
          <>
            <button type="button" data-testid="export-json" disabled={exporting !== null} onClick={() => void download('json')}>
              {exporting === 'json' ? 'Exporting…' : 'Export JSON'}
            </button>
            <button type="button" data-testid="export-text" disabled={exporting !== null} onClick={() => void download('text')}>
              {exporting === 'text' ? 'Exporting…' : 'Export text'}
            </button>
            <ConfirmButton label="Delete" question="Delete this conversation and its messages?" onConfirm={() => void remove()} />
          </>
        )}
      </PageHeader>
      <ErrorBanner error={session.error ?? messages.error} title="Could not load the conversation" />
      <ErrorBanner error={exportError} title="Could not export the conversation" onDismiss={() => setExportError(null)} testId="export-error" />
      <ErrorBanner error={deleteError} title="Could not delete the conversation" onDismiss={() => setDeleteError(null)} />
      {session.data && (
        <p className="muted small">
          {agentName ?? 'Deleted agent'} · {session.data.user_name ?? session.data.user_id} · {session.data.session_type} · started {formatDate(session.data.started_at)}
          {session.data.ended_at ? ` · ended ${formatDate(session.data.ended_at)}` : ' · ongoing'}
          {session.data.active && session.data.agent_id && (
            <>
              {' · '}
              <a href={links.talk(session.data.agent_id)}>talk to {agentName ?? 'the agent'}</a>
            </>
          )}
        </p>
      )}
      {messages.loading && !messages.data && <Loading what="messages" />}
      {messages.data?.length === 0 && <p className="muted">No messages yet.</p>}
      <ol className="transcript" aria-label="Transcript">
        {messages.data?.map((message) => (
          <MessageView key={message.id} message={message} />
        ))}
      </ol>
    </>
  );
}

function MessageView({ message }: { message: MessageDto }) {
  if (message.role === 'assistant' && message.error) {
    return (
      <li className="message message-assistant" data-testid="transcript-message" data-role={message.role} data-interrupted={message.interrupted} data-failed="true">
        <p className="message-meta muted small">Agent · {formatDate(message.created_at)}</p>
        <FailedAnswer error={message.error} said={message.content} />
        {hasLatencies(message) && <LatencyBreakdown latencies={message} testId="message-metrics" />}
      </li>
    );
  }
  return (
    <li className={`message message-${message.role}`} data-testid="transcript-message" data-role={message.role} data-interrupted={message.interrupted}>
      <div className={`bubble ${message.role === 'user' ? 'user' : message.role === 'assistant' ? 'agent' : 'system'}`}>
        <p className="message-meta muted small">
          {message.role === 'user' ? (message.speaker ?? 'User') : message.role === 'assistant' ? 'Agent' : 'System'} · {formatDate(message.created_at)}
          {message.interrupted && <span className="badge badge-warn">Interrupted</span>}
        </p>
        <p>{message.content}</p>
        {message.interrupted && <p className="muted small">The user spoke over the agent: this is what was heard.</p>}
      </div>
      {hasLatencies(message) && <LatencyBreakdown latencies={message} testId="message-metrics" />}
    </li>
  );
}
