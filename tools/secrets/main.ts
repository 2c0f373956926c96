import { runSecretsCli } from './cli';

// Exit code instead of process.exit(): lets stdout flush; the connection is closed by then.
runSecretsCli(process.argv.slice(2), process.env, console).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('secrets: unexpected failure', error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
