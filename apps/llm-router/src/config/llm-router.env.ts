import { DEFAULT_AGENT_DEADLINES, SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv, Secret } from '@voxbridge/platform';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

/** Environment of llm-router (see apps/llm-router/README.md). */
export class LlmRouterEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['llm-router'].defaultPort;

  /**
   * Agents whose provider (or a fallback step) is `openrouter` need it; without it those steps are
   * skipped and named in the error. When set, `llm_provider: auto` means OpenRouter.
   */
  @Secret()
  @IsOptional()
  @IsString()
  OPENROUTER_API_KEY?: string;

  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

  /**
   * The OpenAI-compatible server `llm_provider: auto` uses without OPENROUTER_API_KEY (Ollama's
   * default address), and where `openai_compatible` steps without a base URL go.
   */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  OLLAMA_BASE_URL = 'http://127.0.0.1:11434/v1';

  /** The model `auto` asks that server for (the agent's `llm_model` is an OpenRouter model id). */
  @IsString()
  @Length(1, 200)
  OLLAMA_MODEL = 'llama3.2';

  /**
   * First-token deadline of one provider attempt before the chain moves on (an agent's
   * `deadlines.llm_first_token_ms` overrides it).
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(300_000)
  LLM_FIRST_TOKEN_MS = DEFAULT_AGENT_DEADLINES.llm_first_token_ms;

  /** Longest gap between two tokens once the answer started (an agent's `deadlines.llm_inter_token_ms` overrides it). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(300_000)
  LLM_INTER_TOKEN_MS = DEFAULT_AGENT_DEADLINES.llm_inter_token_ms;

  /** Consecutive failures that open a provider endpoint's circuit. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  LLM_BREAKER_FAILURE_THRESHOLD = 3;

  /** An open circuit lets one probe through after this; each failed probe doubles it, up to the max. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  LLM_BREAKER_COOL_DOWN_MS = 2_000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  LLM_BREAKER_MAX_COOL_DOWN_MS = 30_000;

  /** A claimed voice session is let go this long after the gateway's last claim (heartbeat). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(120_000)
  LLM_LEASE_MS = 15_000;

  /** History sent to the model: at most this many messages and characters (oldest dropped first). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  LLM_HISTORY_MAX_TURNS = 20;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(1_000_000)
  LLM_HISTORY_MAX_CHARS = 16_000;

  /** Several speakers: an utterance waits at most this long for another speaker to finish before it is answered. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  LLM_FLOOR_MAX_WAIT_MS = 5_000;

  /** Several speakers: an utterance waits at most this long for the agent to finish speaking an earlier answer (tts-gateway's turn end). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  LLM_FLOOR_SPEECH_MAX_WAIT_MS = 60_000;

  /** Set to 1 by the launcher's `--fake-providers`: the providers are its scripted fakes (shown on the System page). */
  @IsIn(['0', '1'])
  VOXBRIDGE_FAKE_PROVIDERS: '0' | '1' = '0';
}
