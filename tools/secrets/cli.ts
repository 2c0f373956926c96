import { generateEncryptionKey, KeyRing, PluginSecretsError } from '@voxbridge/plugin-sdk';
import { reencryptAgents } from './reencrypt';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
}

const USAGE = [
  'usage: node dist/tools/secrets/main.js <command>',
  '  new-key              print a fresh VOXBRIDGE_ENCRYPTION_KEY (<key id>:<base64 32 bytes>)',
  '  reencrypt [--apply]  move every plugin secret under VOXBRIDGE_ENCRYPTION_KEY (dry run without --apply);',
  '                       reads DATABASE_URL, VOXBRIDGE_ENCRYPTION_KEY, VOXBRIDGE_ENCRYPTION_OLD_KEYS',
].join('\n');

/** `npm run secrets -- <command>`. Resolves the exit code and never rejects; prints no secret. */
export async function runSecretsCli(argv: string[], env: NodeJS.ProcessEnv, out: CliOutput): Promise<number> {
  const [command, ...flags] = argv;
  if (command === 'new-key' && flags.length === 0) {
    out.log(generateEncryptionKey());
    return EXIT_OK;
  }
  if (command !== 'reencrypt' || flags.some((flag) => flag !== '--apply')) {
    out.error(USAGE);
    return EXIT_USAGE;
  }
  const apply = flags.includes('--apply');
  const url = env['DATABASE_URL'];
  if (!url || !URL.canParse(url)) {
    out.error('secrets: DATABASE_URL is not set or not a URL');
    return EXIT_USAGE;
  }
  let ring: KeyRing;
  try {
    ring = KeyRing.fromText(env['VOXBRIDGE_ENCRYPTION_KEY'], env['VOXBRIDGE_ENCRYPTION_OLD_KEYS']);
  } catch (error) {
    out.error(`secrets: ${error instanceof Error ? error.message : String(error)} (VOXBRIDGE_ENCRYPTION_KEY / _OLD_KEYS)`);
    return EXIT_USAGE;
  }
  if (!ring.current) {
    out.error('secrets: VOXBRIDGE_ENCRYPTION_KEY is not set');
    return EXIT_USAGE;
  }
  try {
    const reports = await reencryptAgents(url, ring, { apply });
    const verb = apply ? '' : 'would be ';
    for (const report of reports) {
      for (const [plugin, counts] of Object.entries(report.changes)) {
        out.log(
          `secrets: agent ${report.agentId} (${report.name}) plugin ${plugin}: ${counts.reencrypted} ${verb}re-encrypted, ${counts.encrypted} plaintext ${verb}encrypted`,
        );
      }
    }
    out.log(`secrets: ${reports.length} agents ${apply ? 'changed' : 'to change'}, key ${ring.current.id}${apply ? '' : ' (dry run: --apply to write)'}`);
    return EXIT_OK;
  } catch (error) {
    // PluginSecretsError messages name fields and key ids only; other errors may hold connection details.
    const message = error instanceof PluginSecretsError ? error.message : error instanceof Error ? error.message.replaceAll(url, '<DATABASE_URL>') : String(error);
    out.error(`secrets: failed: ${message}`);
    return EXIT_FAILED;
  }
}
