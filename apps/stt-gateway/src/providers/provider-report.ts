import { Injectable } from '@nestjs/common';
import { commandAvailable, serverReachable, ProviderReports, type ProviderDescription } from '@voxbridge/platform';
import { SttGatewayEnv } from '../config/stt-gateway.env';
import { SttProviderRegistry } from './stt-provider-registry';

/** What `stt_provider: auto` stands for with this configuration, and how to check that it answers. */
export function describeSttProviders(config: SttGatewayEnv): ProviderDescription[] {
  const resolved = new SttProviderRegistry({
    whisperxUrl: config.WHISPERX_URL,
    openAiBaseUrl: config.STT_OPENAI_BASE_URL,
    openAiModel: config.STT_OPENAI_MODEL,
    localBinary: config.STT_LOCAL_BINARY,
  }).concrete('auto');
  const fake = config.VOXBRIDGE_FAKE_PROVIDERS === '1';
  switch (resolved) {
    case 'whisperx': {
      const url = config.WHISPERX_URL ?? '';
      return [{ stage: 'stt', kind: 'auto', resolved, target: url, fake, probe: () => serverReachable(url) }];
    }
    case 'openai_compatible': {
      const url = config.STT_OPENAI_BASE_URL ?? '';
      return [{ stage: 'stt', kind: 'auto', resolved, target: url, fake, probe: () => serverReachable(url) }];
    }
    case 'local': {
      const binary = config.STT_LOCAL_BINARY;
      const name = binary === 'pocketsphinx_continuous' ? 'pocketsphinx' : `pocketsphinx (${binary})`;
      return [
        {
          stage: 'stt',
          kind: 'auto',
          resolved: 'local',
          target: 'local',
          detail: name,
          fake,
          probe: async () => {
            const found = await commandAvailable(binary);
            return found.reachable ? { reachable: true, detail: name } : found;
          },
        },
      ];
    }
  }
}

/** Registers stt-gateway's providers for the fleet census. */
@Injectable()
export class SttProviderReport {
  constructor(reports: ProviderReports, config: SttGatewayEnv) {
    reports.register(() => describeSttProviders(config));
  }
}
