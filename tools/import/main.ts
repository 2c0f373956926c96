import { runImportCli } from './cli';

// Exit code instead of process.exit(): lets stdout flush; every connection is closed by then.
runImportCli(process.argv.slice(2), process.env, console).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('import: unexpected failure', error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
