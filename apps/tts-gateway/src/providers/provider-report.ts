import { Injectable } from '@nestjs/common';
import { commandAvailable, serverReachable, ProviderReports, type ProviderDescription, type ProbeResult } from '@voxbridge/platform';
import { TtsGatewayEnv } from '../config/tts-gateway.env';

/** The offline engines `TTS_LOCAL_ENGINE` allows, in the order `auto` tries them. */
function localEngines(preference: TtsGatewayEnv['TTS_LOCAL_ENGINE']): string[] {
  return preference === 'auto' ? ['flite', 'espeak-ng'] : [preference];
}

async function firstEngineOnPath(engines: string[]): Promise<ProbeResult> {
  for (const engine of engines) {
    const found = await commandAvailable(engine);
    if (found.reachable) return { reachable: true, detail: engine };
  }
  return { reachable: false, detail: `${engines.join(' or ')} not found on PATH` };
}

/** What `tts_provider: auto` stands for: Chatterbox, else the OpenAI-compatible server, else flite / espeak-ng. */
export function describeTtsProviders(config: TtsGatewayEnv): ProviderDescription[] {
  const fake = config.VOXBRIDGE_FAKE_PROVIDERS === '1';
  if (config.CHATTERBOX_URL) {
    const url = config.CHATTERBOX_URL;
    return [{ stage: 'tts', kind: 'auto', resolved: 'chatterbox', target: url, fake, probe: () => serverReachable(url) }];
  }
  if (config.OPENAI_TTS_URL) {
    const url = config.OPENAI_TTS_URL;
    return [{ stage: 'tts', kind: 'auto', resolved: 'openai_compatible', target: url, fake, probe: () => serverReachable(url) }];
  }
  const engines = localEngines(config.TTS_LOCAL_ENGINE);
  return [
    {
      stage: 'tts',
      kind: 'auto',
      resolved: 'local',
      target: 'local',
      detail: engines.join(' / '),
      fake,
      probe: () => firstEngineOnPath(engines),
    },
  ];
}

/** Registers tts-gateway's providers for the fleet census. */
@Injectable()
export class TtsProviderReport {
  constructor(reports: ProviderReports, config: TtsGatewayEnv) {
    reports.register(() => describeTtsProviders(config));
  }
}
