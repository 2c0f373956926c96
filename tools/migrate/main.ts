import { runMigrateCli } from './cli';

// Exit code instead of process.exit(): lets stdout flush; every connection is closed by then.
runMigrateCli(process.env, console).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('migrate: unexpected failure', error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
