import { isPlainObject, isPluginType, pluginsProblems, secretFieldsOf, type PluginConfig, type PluginsConfig } from '@voxbridge/plugin-sdk';
import { FernetError, fernetDecrypt, type FernetKey } from './fernet';
import { ImportError, ImportErrorCode } from './import.errors';
import type { Row, SourceSnapshot } from './source';
import { stableId } from './stable-id';

/** VoxBridge 2.0's marker in front of a Fernet token (`src/plugins/encryption.py`). */
export const ENCRYPTED_PREFIX = '__encrypted__:';

export type Kind = 'agents' | 'sessions' | 'messages';
export const KINDS: readonly Kind[] = ['agents', 'sessions', 'messages'];

type LlmProvider = 'auto' | 'openrouter' | 'openai_compatible' | 'n8n';
interface FallbackStep {
  provider: 'openrouter' | 'openai_compatible';
  model: string;
  base_url?: string;
}

/** A row of `agent_api.agents` as the import would store it; secret plugin fields still in plaintext. */
export interface PlannedAgent {
  /** The original's id, for the report. */
  sourceId: string;
  id: string;
  name: string;
  description: string | null;
  system_prompt: string;
  temperature: number;
  llm_provider: LlmProvider;
  llm_model: string;
  llm_base_url: string | null;
  n8n_webhook_url: string | null;
  fallback: FallbackStep[];
  is_default: boolean;
  stt_provider: string;
  stt_language: string | null;
  silence_ms: number;
  max_utterance_ms: number;
  tts_provider: string;
  tts_voice: string | null;
  tts_exaggeration: number;
  tts_cfg_weight: number;
  tts_temperature: number;
  tts_language: string;
  tts_speed: number;
  filter_actions_for_tts: boolean;
  timezone: string;
  plugins: PluginsConfig;
  created_at: Date;
  updated_at: Date;
}

/** A row of `session_store.sessions` (message_count is recomputed on write). */
export interface PlannedSession {
  sourceId: string;
  id: string;
  user_id: string;
  user_name: string | null;
  title: string;
  agent_id: string;
  active: boolean;
  started_at: Date;
  ended_at: Date | null;
  session_type: string;
  session_metadata: Record<string, unknown>;
}

/** A row of `session_store.messages` (no turn, speaker, provider or timeline: the original kept none). */
export interface PlannedMessage {
  sourceId: string;
  id: string;
  session_id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  created_at: Date;
  llm_ttft_ms: number | null;
  total_latency_ms: number | null;
}

export interface Skipped {
  kind: Kind;
  /** The original's id. */
  id: string;
  reason: string;
}

/** Something of the original the fleet has no place for: counted and listed, never dropped silently. */
export interface Unmapped {
  what: string;
  items: string[];
}

export interface ImportPlan {
  agents: PlannedAgent[];
  sessions: PlannedSession[];
  messages: PlannedMessage[];
  skipped: Skipped[];
  unmapped: Unmapped[];
  /** Values changed to fit the fleet (clamped, truncated, defaulted), one line each. */
  notes: string[];
  /** How many plugin secrets were decrypted from Fernet tokens / found in plaintext. */
  secrets: { decrypted: number; plaintext: number };
}

export interface MappingOptions {
  /** The original's PLUGIN_ENCRYPTION_KEY; required when a plugin secret is a Fernet token. */
  oldKey?: FernetKey;
  /** Base URL for agents on the original's `local` provider without an llm_providers record (its LOCAL_LLM_BASE_URL). */
  localLlmBaseUrl: string;
}

export const DEFAULT_LOCAL_LLM_BASE_URL = 'http://localhost:11434/v1';
const SESSION_TYPES = new Set(['web', 'webrtc', 'discord', 'extension', 'api']);
const ROLES = new Set(['user', 'assistant', 'system']);
const LOCAL_PROVIDER_TYPES = new Set(['local', 'ollama', 'openai_compatible', 'openai', 'vllm', 'lmstudio', 'lm_studio', 'custom']);

class Collector {
  readonly skipped: Skipped[] = [];
  readonly notes: string[] = [];
  private readonly unmapped = new Map<string, string[]>();
  readonly secrets = { decrypted: 0, plaintext: 0 };

  skip(kind: Kind, id: unknown, reason: string): void {
    this.skipped.push({ kind, id: String(id), reason });
  }

  unmap(what: string, item: string): void {
    const items = this.unmapped.get(what) ?? [];
    items.push(item);
    this.unmapped.set(what, items);
  }

  unmappedList(): Unmapped[] {
    return [...this.unmapped].map(([what, items]) => ({ what, items }));
  }
}

/** Maps a snapshot of the original into the fleet's rows. Pure but for decryption; throws ImportError on a bad old key. */
export function planImport(source: SourceSnapshot, options: MappingOptions): ImportPlan {
  const out = new Collector();
  for (const { label, keys } of source.unmappedTables) {
    for (const key of keys) out.unmap(label, key);
  }

  const agents: PlannedAgent[] = [];
  const agentIds = new Map<string, string>();
  const names = new Set<string>();
  for (const row of source.agents) {
    const agent = mapAgent(row, source, options, out);
    if (!agent) continue;
    if (names.has(agent.name.toLowerCase())) {
      out.skip('agents', row['id'], `another imported agent is already named "${agent.name}" (the fleet ignores case in names)`);
      continue;
    }
    names.add(agent.name.toLowerCase());
    agentIds.set(String(row['id']), agent.id);
    agents.push(agent);
  }

  const sessions: PlannedSession[] = [];
  const sessionIds = new Map<string, string>();
  for (const row of source.sessions) {
    const agentId = agentIds.get(String(row['agent_id']));
    if (!agentId) {
      out.skip('sessions', row['id'], `its agent ${String(row['agent_id'])} is not imported`);
      continue;
    }
    const session = mapSession(row, agentId, out);
    if (!session) continue;
    sessionIds.set(String(row['id']), session.id);
    sessions.push(session);
  }

  const messages: PlannedMessage[] = [];
  for (const row of source.conversations) {
    const sessionId = sessionIds.get(String(row['session_id']));
    if (!sessionId) {
      out.skip('messages', row['id'], `its session ${String(row['session_id'])} is not imported`);
      continue;
    }
    const message = mapMessage(row, sessionId, out);
    if (message) messages.push(message);
  }

  return { agents, sessions, messages, skipped: out.skipped, unmapped: out.unmappedList(), notes: out.notes, secrets: out.secrets };
}

function mapAgent(row: Row, source: SourceSnapshot, options: MappingOptions, out: Collector): PlannedAgent | undefined {
  const originalId = String(row['id']);
  const id = stableId('agents', originalId);
  const name = text(row['name']).trim();
  const prompt = text(row['system_prompt']);
  if (name.length < 1 || name.length > 100) return skipAgent(out, originalId, 'name must be 1-100 characters');
  if (prompt.length < 1 || prompt.length > 10_000) return skipAgent(out, originalId, 'system_prompt must be 1-10000 characters');

  const note = (line: string) => out.notes.push(`agent ${originalId}: ${line}`);
  const clamp = (field: string, value: unknown, fallback: number, min: number, max: number) => {
    const number = typeof value === 'number' && Number.isFinite(value) ? value : fallback;
    const clamped = Math.min(max, Math.max(min, number));
    if (value !== null && value !== undefined && clamped !== value) note(`${field} ${String(value)} outside ${min}-${max}, stored ${clamped}`);
    return clamped;
  };
  const cut = (field: string, value: unknown, max: number): string | null => {
    if (value === null || value === undefined || value === '') return null;
    const string = text(value);
    if (string.length <= max) return string;
    note(`${field} longer than ${max} characters, truncated`);
    return string.slice(0, max);
  };

  const found = primaryLlm(row, source, options);
  if ('unknown' in found) out.unmap(`agents.llm_provider "${found.unknown}" (unknown to the fleet; imported as auto)`, originalId);
  const llm = 'unknown' in found ? undefined : found;
  const llmModel = text(row['llm_model']);
  if (llmModel.length < 1 || llmModel.length > 200) return skipAgent(out, originalId, 'llm_model must be 1-200 characters');

  const plugins = mapPlugins(originalId, row['plugins'], options, out);
  // use_n8n predates plugins.n8n (migration 004 copied it there); either one asks for n8n.
  const n8nPlugin = plugins['n8n'];
  const pluginUrl = typeof n8nPlugin?.['webhook_url'] === 'string' ? n8nPlugin['webhook_url'] : null;
  const n8nUrl = cut('n8n_webhook_url', row['n8n_webhook_url'] ?? pluginUrl, 500);
  const useN8n = row['use_n8n'] === true || (row['use_n8n'] === undefined && n8nPlugin?.enabled === true);
  let provider: LlmProvider = llm?.provider ?? 'auto';
  let fallback: FallbackStep[] = [];
  if (useN8n && n8nUrl) {
    // n8n answers; the agent's own model stays as the fallback step, so nothing of it is lost.
    provider = 'n8n';
    if (llm) fallback = [llm.baseUrl ? { provider: llm.provider, model: llmModel, base_url: llm.baseUrl } : { provider: llm.provider, model: llmModel }];
  } else if (useN8n) {
    note('use_n8n is set without a webhook URL; kept the direct LLM');
  }
  if (n8nPlugin?.enabled) {
    // The original never ran an n8n plugin; the fleet's would post every message to the same webhook.
    plugins['n8n'] = { ...n8nPlugin, enabled: false };
    note('plugins.n8n imported disabled (the original had no n8n plugin; use_n8n became llm_provider n8n)');
  }

  if (row['memory_scope'] === 'agent') out.unmap('agents.memory_scope "agent" (the fleet has no memory yet)', originalId);
  if (row['is_active'] === false) out.unmap('agents.is_active false (the fleet has no inactive agents; imported as usable)', originalId);
  for (const legacy of ['tts_rate', 'tts_pitch'] as const) {
    if (row[legacy] !== undefined && row[legacy] !== null) out.unmap(`agents.${legacy} (removed in the original's migration 011)`, originalId);
  }

  const maxUtterance = row['max_utterance_time_ms'] ?? 120_000;
  return {
    sourceId: originalId,
    id,
    name,
    description: cut('description', row['description'], 1000),
    system_prompt: prompt,
    temperature: clamp('temperature', row['temperature'], 0.7, 0, 2),
    llm_provider: provider,
    llm_model: llmModel,
    llm_base_url: llm?.baseUrl ?? null,
    n8n_webhook_url: n8nUrl,
    fallback,
    is_default: row['is_default'] === true,
    stt_provider: 'auto',
    stt_language: 'en',
    silence_ms: 600,
    max_utterance_ms: clamp('max_utterance_time_ms', maxUtterance, 120_000, 5_000, 300_000),
    tts_provider: 'auto',
    tts_voice: cut('tts_voice', row['tts_voice'], 100),
    tts_exaggeration: clamp('tts_exaggeration', row['tts_exaggeration'], 1.0, 0.25, 2),
    tts_cfg_weight: clamp('tts_cfg_weight', row['tts_cfg_weight'], 0.7, 0, 1),
    tts_temperature: clamp('tts_temperature', row['tts_temperature'], 0.3, 0.05, 5),
    tts_language: cut('tts_language', row['tts_language'], 35) ?? 'en',
    tts_speed: 1.0,
    filter_actions_for_tts: row['filter_actions_for_tts'] === true,
    timezone: 'UTC',
    plugins,
    created_at: dateOr(row['created_at'], new Date(0)),
    updated_at: dateOr(row['updated_at'], dateOr(row['created_at'], new Date(0))),
  };
}

function skipAgent(out: Collector, id: string, reason: string): undefined {
  out.skip('agents', id, reason);
  return undefined;
}

type PrimaryLlm = { provider: 'openrouter' | 'openai_compatible'; baseUrl?: string } | { unknown: string };

/** From the agent's llm_providers record when it names one (migration 006), else its llm_provider string. */
function primaryLlm(row: Row, source: SourceSnapshot, options: MappingOptions): PrimaryLlm {
  const record = row['llm_provider_id'] ? source.llmProviders.get(String(row['llm_provider_id'])) : undefined;
  const kind = text(record?.['provider_type'] ?? row['llm_provider']).toLowerCase();
  const recordUrl = typeof record?.['base_url'] === 'string' && record['base_url'] ? record['base_url'] : undefined;
  if (kind === 'openrouter') return { provider: 'openrouter' };
  if (LOCAL_PROVIDER_TYPES.has(kind)) return { provider: 'openai_compatible', baseUrl: recordUrl ?? options.localLlmBaseUrl };
  return { unknown: kind || '(empty)' };
}

function mapPlugins(agentId: string, value: unknown, options: MappingOptions, out: Collector): PluginsConfig {
  const stored = typeof value === 'string' ? parseJson(value) : value;
  if (stored === null || stored === undefined) return {};
  if (!isPlainObject(stored)) {
    out.unmap('agents.plugins that are not a JSON object', agentId);
    return {};
  }
  const plugins: PluginsConfig = {};
  for (const [type, config] of Object.entries(stored)) {
    if (!isPluginType(type)) {
      out.unmap(`agents.plugins.${type} (plugin type the fleet does not know)`, agentId);
      continue;
    }
    if (!isPlainObject(config)) {
      out.unmap(`agents.plugins.${type} that is not an object`, agentId);
      continue;
    }
    const secrets = new Set<string>(secretFieldsOf(type));
    const mapped: PluginConfig = { ...config, enabled: config['enabled'] === true };
    for (const [field, fieldValue] of Object.entries(config)) {
      const at = `agent ${agentId} plugins.${type}.${field}`;
      const sealed = typeof fieldValue === 'string' && fieldValue.startsWith(ENCRYPTED_PREFIX);
      if (secrets.has(field)) {
        if (fieldValue === null || fieldValue === undefined) {
          delete mapped[field];
        } else if (sealed) {
          mapped[field] = openSecret(fieldValue.slice(ENCRYPTED_PREFIX.length), at, options.oldKey);
          out.secrets.decrypted += 1;
        } else if (typeof fieldValue === 'string') {
          out.secrets.plaintext += 1;
        } else {
          delete mapped[field];
          out.unmap(`agents.plugins.${type}.${field} that is not a string`, agentId);
        }
      } else if (sealed) {
        // Encrypted by the original but not a secret here: storing it would print it in the API.
        delete mapped[field];
        out.unmap(`agents.plugins.${type}.${field} (encrypted, but not a secret field in the fleet)`, agentId);
      }
    }
    const problems = Object.keys(pluginsProblems({ [type]: mapped }));
    if (problems.length) {
      out.unmap(`agents.plugins.${type} the fleet refuses (${problems.join(', ')})`, agentId);
      continue;
    }
    plugins[type] = mapped;
  }
  return plugins;
}

function openSecret(token: string, at: string, key: FernetKey | undefined): string {
  if (!key) {
    throw new ImportError(
      ImportErrorCode.OldKeyMissing,
      `${at} is encrypted by VoxBridge 2.0; pass its PLUGIN_ENCRYPTION_KEY with --old-key or the PLUGIN_ENCRYPTION_KEY variable`,
    );
  }
  try {
    return fernetDecrypt(token, key).toString('utf8');
  } catch (error) {
    if (!(error instanceof FernetError)) throw error;
    throw new ImportError(ImportErrorCode.OldKeyWrong, `${at} cannot be decrypted with the old key (${error.message}): wrong PLUGIN_ENCRYPTION_KEY?`, {
      cause: error,
    });
  }
}

function mapSession(row: Row, agentId: string, out: Collector): PlannedSession | undefined {
  const originalId = String(row['id']);
  const userId = text(row['user_id']);
  if (userId.length < 1 || userId.length > 100) {
    out.skip('sessions', originalId, 'user_id must be 1-100 characters');
    return undefined;
  }
  let sessionType = text(row['session_type'] ?? 'web');
  if (!SESSION_TYPES.has(sessionType)) {
    out.notes.push(`session ${originalId}: session_type "${sessionType}" unknown to the fleet, stored as web`);
    sessionType = 'web';
  }
  // The model writes session_metadata; migration 001 created `metadata` and nothing renamed it.
  const rawMetadata = row['session_metadata'] ?? row['metadata'];
  const parsed = typeof rawMetadata === 'string' ? parseJson(rawMetadata) : rawMetadata;
  const metadata: Record<string, unknown> = isPlainObject(parsed)
    ? { ...parsed }
    : rawMetadata === null || rawMetadata === undefined || rawMetadata === ''
      ? {}
      : { legacy_metadata: rawMetadata };
  if (row['discord_guild_id'] !== null && row['discord_guild_id'] !== undefined) metadata['discord_guild_id'] = text(row['discord_guild_id']);
  const startedAt = dateOr(row['started_at'], new Date(0));
  return {
    sourceId: originalId,
    id: stableId('sessions', originalId),
    user_id: userId,
    user_name: row['user_name'] === null || row['user_name'] === undefined ? null : text(row['user_name']).slice(0, 100),
    title: text(row['title'] ?? '').slice(0, 200) || 'New Conversation',
    agent_id: agentId,
    active: row['active'] !== false,
    started_at: startedAt,
    ended_at: row['ended_at'] ? dateOr(row['ended_at'], startedAt) : null,
    session_type: sessionType,
    session_metadata: metadata,
  };
}

function mapMessage(row: Row, sessionId: string, out: Collector): PlannedMessage | undefined {
  const originalId = String(row['id']);
  const role = text(row['role']);
  if (!ROLES.has(role)) {
    out.skip('messages', originalId, `role "${role}" is not user, assistant or system`);
    return undefined;
  }
  for (const field of ['audio_duration_ms', 'tts_duration_ms'] as const) {
    if (row[field] !== null && row[field] !== undefined) out.unmap(`conversations.${field} (no such measure in the fleet)`, originalId);
  }
  return {
    sourceId: originalId,
    id: stableId('conversations', originalId),
    session_id: sessionId,
    role: role as PlannedMessage['role'],
    content: text(row['content'] ?? ''),
    created_at: dateOr(row['timestamp'], new Date(0)),
    llm_ttft_ms: intOrNull(row['llm_latency_ms']),
    total_latency_ms: intOrNull(row['total_latency_ms']),
  };
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function intOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null;
}

function dateOr(value: unknown, fallback: Date): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : fallback;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    // Not JSON: the caller keeps the text as it was.
    return value;
  }
}
