import type { MessageDto, SessionDto } from '@voxbridge/contracts';

/** A conversation as `GET /api/sessions/:id/export?format=json` returns it. */
export interface SessionExport {
  exported_at: string;
  /** The agent's name; null when it was deleted. */
  agent_name: string | null;
  session: SessionDto;
  /** Oldest first, each with its timeline and, for a failed turn, its error. */
  messages: MessageDto[];
}

/** `2026-12-04 15:09:07` (UTC): sortable, and readable in any locale. */
function clock(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

function speakerOf(message: MessageDto, exported: SessionExport): string {
  if (message.role === 'assistant') return exported.agent_name ?? 'Assistant';
  if (message.role === 'system') return 'System';
  return message.speaker_name ?? message.speaker ?? exported.session.user_name ?? exported.session.user_id;
}

/**
 * The transcript as readable text: a header, then one line per message, `[time] Speaker: text`
 * (times in UTC); an interrupted answer and a failed turn say so on the line below.
 */
export function transcriptText(exported: SessionExport): string {
  const { session } = exported;
  const lines = [
    session.title,
    `Session ${session.id} · ${session.session_type} · started ${clock(session.started_at)} UTC${session.ended_at ? ` · ended ${clock(session.ended_at)} UTC` : ' · ongoing'}`,
    `With ${session.user_name ?? session.user_id} and ${exported.agent_name ?? 'a deleted agent'} · ${exported.messages.length} messages`,
    '',
  ];
  for (const message of exported.messages) {
    lines.push(`[${clock(message.created_at)}] ${speakerOf(message, exported)}: ${message.content.replace(/\r?\n/g, '\n    ')}`);
    if (message.error) {
      const { stage, provider, code, message: why } = message.error;
      lines.push(`    (turn failed: ${stage}${provider ? ` ${provider}` : ''} ${code}${why ? ` — ${why}` : ''}; the text above is what was said instead)`);
    } else if (message.interrupted) {
      lines.push('    (interrupted: only what was heard)');
    }
  }
  return `${lines.join('\n')}\n`;
}
