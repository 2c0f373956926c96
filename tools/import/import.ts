import type { KeyRing } from '@voxbridge/plugin-sdk';
import type { FernetKey } from './fernet';
import { ImportError, ImportErrorCode } from './import.errors';
import { KINDS, planImport, type Kind, type Skipped, type Unmapped } from './mapping';
import { readSource } from './source';
import { writePlan, type KindCounts } from './target';

export interface ImportOptions {
  /** The VoxBridge 2.0 database. */
  sourceUrl: string;
  /** The fleet's database (DATABASE_URL). */
  targetUrl: string;
  /** Our keys (VOXBRIDGE_ENCRYPTION_KEY / _OLD_KEYS). */
  ring: KeyRing;
  oldKey?: FernetKey;
  localLlmBaseUrl: string;
  apply: boolean;
  /** Runs the fleet's migrations; called only with `apply` when the schemas are missing. */
  migrate: () => Promise<void>;
}

export interface ImportReport {
  apply: boolean;
  counts: Record<Kind, KindCounts>;
  skipped: Skipped[];
  unmapped: Unmapped[];
  notes: string[];
  secrets: { decrypted: number; plaintext: number; keyId?: string };
  schemasMissing: boolean;
}

/**
 * VoxBridge 2.0 → the fleet: read and map everything first (a wrong key or a missing table stops
 * here, before the fleet is touched), then compare and, with `apply`, write in one transaction.
 */
export async function importVoxBridge(options: ImportOptions): Promise<ImportReport> {
  const source = await readSource(options.sourceUrl);
  const plan = planImport(source, { oldKey: options.oldKey, localLlmBaseUrl: options.localLlmBaseUrl });
  const secretCount = plan.secrets.decrypted + plan.secrets.plaintext;
  if (secretCount > 0 && !options.ring.current) {
    throw new ImportError(
      ImportErrorCode.NewKeyMissing,
      `VOXBRIDGE_ENCRYPTION_KEY is not set: ${secretCount} plugin secret(s) must be re-encrypted under the fleet's key (npm run secrets -- new-key makes one)`,
    );
  }
  const result = await writePlan(options.targetUrl, plan, options.ring, { apply: options.apply, migrate: options.migrate });
  return {
    apply: options.apply,
    counts: result.counts,
    skipped: result.skipped,
    unmapped: plan.unmapped,
    notes: result.notes,
    secrets: { ...plan.secrets, keyId: options.ring.current?.id },
    schemasMissing: result.schemasMissing,
  };
}

/** The report as lines; lists stop at `listLimit` items each (the JSON report has them all). */
export function formatReport(report: ImportReport, listLimit = 20): string[] {
  const list = (items: string[]) =>
    items.length > listLimit ? `${items.slice(0, listLimit).join(', ')}, … and ${items.length - listLimit} more (--json lists all)` : items.join(', ');
  const verb = report.apply ? '' : 'would be ';
  const lines: string[] = [];
  if (report.schemasMissing) lines.push(report.apply ? 'fleet schemas were missing: migrations applied' : 'fleet schemas are missing: --apply runs the migrations first');
  for (const kind of KINDS) {
    const { new: added, unchanged, updated, skipped } = report.counts[kind];
    lines.push(`${kind}: ${added} new, ${updated} updated, ${unchanged} unchanged, ${skipped} skipped`);
  }
  const { decrypted, plaintext, keyId } = report.secrets;
  if (decrypted + plaintext > 0) {
    lines.push(`plugin secrets: ${decrypted} decrypted with the old key, ${plaintext} were plaintext; ${verb}stored encrypted under key ${keyId ?? '?'}`);
  }
  for (const skip of report.skipped) lines.push(`skipped ${skip.kind.replace(/s$/, '')} ${skip.id}: ${skip.reason}`);
  const unmappedTotal = report.unmapped.reduce((sum, entry) => sum + entry.items.length, 0);
  if (unmappedTotal > 0) lines.push(`not imported, the fleet has no place for them yet (${unmappedTotal}):`);
  for (const { what, items } of report.unmapped) lines.push(`  ${what}: ${items.length} — ${list(items)}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(report.apply ? 'applied in one transaction' : 'dry run: nothing written (--apply to write)');
  return lines;
}
