import { redactSecrets } from '@voxbridge/persistence';
import { provision } from './provision';

// The migration job: roles, schemas, then each service's migrations under its own role.
provision(process.env).then(
  (results) => {
    for (const r of results) console.log(`provision: ${r.schema} (${r.service}, role ${r.role}): ${r.applied.length ? `applied ${r.applied.join(', ')}` : 'up to date'}`);
    console.log(`provision: done, ${results.length} schemas`);
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`provision: failed: ${redactSecrets(message, process.env['DATABASE_URL'] ?? '')}`);
    process.exitCode = 1;
  },
);
