import { KeyRing, PluginSecretsError } from '@voxbridge/plugin-sdk';
import { redactDatabaseUrl, redactSecrets } from '@voxbridge/persistence';
import { parseArgs } from 'node:util';
import { migrateAll } from '../migrate/migrate';
import { FernetError, parseFernetKey, type FernetKey } from './fernet';
import { formatReport, importVoxBridge } from './import';
import { ImportError } from './import.errors';
import { DEFAULT_LOCAL_LLM_BASE_URL } from './mapping';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
}

const USAGE = [
  'usage: npm run import:voxbridge -- --from <postgres url of VoxBridge 2.0> [--apply] [--old-key <Fernet key>] [--local-llm-url <url>] [--json]',
  '  writes into DATABASE_URL (the fleet); dry run without --apply',
  '  --old-key        the original PLUGIN_ENCRYPTION_KEY (default: $PLUGIN_ENCRYPTION_KEY)',
  '  --local-llm-url  base URL for agents on the original "local" provider (default: $LOCAL_LLM_BASE_URL, else ' + DEFAULT_LOCAL_LLM_BASE_URL + ')',
  '  secrets are re-encrypted under VOXBRIDGE_ENCRYPTION_KEY (old fleet keys: VOXBRIDGE_ENCRYPTION_OLD_KEYS)',
].join('\n');

/** `npm run import:voxbridge`. Resolves the exit code and never rejects; prints no secret or password. */
export async function runImportCli(argv: string[], env: NodeJS.ProcessEnv, out: CliOutput): Promise<number> {
  let values: { from?: string; apply?: boolean; 'old-key'?: string; 'local-llm-url'?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        apply: { type: 'boolean' },
        'old-key': { type: 'string' },
        'local-llm-url': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    out.error(`import: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const problems: string[] = [];
  const sourceUrl = values.from;
  const targetUrl = env['DATABASE_URL'];
  if (!sourceUrl || !URL.canParse(sourceUrl)) problems.push('--from must be the postgres:// URL of the VoxBridge 2.0 database');
  if (!targetUrl || !URL.canParse(targetUrl)) problems.push('DATABASE_URL (the fleet database) is not set or not a URL');
  const localLlmBaseUrl = values['local-llm-url'] ?? env['LOCAL_LLM_BASE_URL'] ?? DEFAULT_LOCAL_LLM_BASE_URL;
  if (!URL.canParse(localLlmBaseUrl)) problems.push('--local-llm-url / LOCAL_LLM_BASE_URL is not a URL');
  let oldKey: FernetKey | undefined;
  const oldKeyText = values['old-key'] ?? env['PLUGIN_ENCRYPTION_KEY'];
  try {
    oldKey = oldKeyText ? parseFernetKey(oldKeyText) : undefined;
  } catch (error) {
    if (!(error instanceof FernetError)) throw error;
    problems.push(`${values['old-key'] ? '--old-key' : 'PLUGIN_ENCRYPTION_KEY'}: ${error.message}`);
  }
  let ring = new KeyRing(undefined);
  try {
    ring = KeyRing.fromText(env['VOXBRIDGE_ENCRYPTION_KEY'], env['VOXBRIDGE_ENCRYPTION_OLD_KEYS']);
  } catch (error) {
    if (!(error instanceof PluginSecretsError)) throw error;
    problems.push(`VOXBRIDGE_ENCRYPTION_KEY / _OLD_KEYS: ${error.message}`);
  }
  if (problems.length || !sourceUrl || !targetUrl) {
    for (const problem of problems) out.error(`import: ${problem}`);
    out.error(USAGE);
    return EXIT_USAGE;
  }

  const apply = values.apply === true;
  const redact = (text: string) => redactSecrets(redactSecrets(text, sourceUrl), targetUrl);
  out.log(`import: from ${redactDatabaseUrl(sourceUrl)} into ${redactDatabaseUrl(targetUrl)}${apply ? '' : ' (dry run)'}`);
  try {
    const report = await importVoxBridge({
      sourceUrl,
      targetUrl,
      ring,
      oldKey,
      localLlmBaseUrl,
      apply,
      migrate: async () => {
        await migrateAll(targetUrl);
      },
    });
    if (values.json) out.log(JSON.stringify(report, null, 2));
    else for (const line of formatReport(report)) out.log(`import: ${line}`);
    return EXIT_OK;
  } catch (error) {
    const code = error instanceof ImportError ? ` [${error.code}]` : '';
    out.error(`import: failed${code}: ${redact(error instanceof Error ? error.message : String(error))}; nothing was written`);
    return EXIT_FAILED;
  }
}
