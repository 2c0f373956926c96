import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { REPO_ROOT } from './launcher-process';

/** One fenced block of a guide marked ```` ```sh title="…" ```` or ```` ```ts title="…" ````. */
export interface GuideExample {
  lang: 'sh' | 'ts';
  title: string;
  code: string;
}

export interface ExampleOutput {
  stdout: string;
  stderr: string;
}

const run = promisify(execFile);

/** The titled examples of a markdown file, in document order (untitled blocks are prose, not run). */
export function guideExamples(markdownPath: string): GuideExample[] {
  const markdown = readFileSync(markdownPath, 'utf8');
  const examples: GuideExample[] = [];
  for (const match of markdown.matchAll(/^```(sh|ts) title="([^"]+)"\n([\s\S]*?)^```$/gm)) {
    examples.push({ lang: match[1] as 'sh' | 'ts', title: match[2] as string, code: match[3] as string });
  }
  return examples;
}

/**
 * Runs an example as a reader would: a shell block with bash (`-e -o pipefail`), a TypeScript block
 * transpiled to CommonJS and run with Node (the repository's `node_modules` on `NODE_PATH`, for `ws`).
 * Rejects with its output when it exits non-zero or outlives `timeoutMs`.
 */
export async function runExample(example: GuideExample, env: NodeJS.ProcessEnv, timeoutMs = 45_000): Promise<ExampleOutput> {
  const dir = mkdtempSync(join(tmpdir(), 'vb-guide-'));
  try {
    const options = { cwd: dir, env: { ...env, NODE_PATH: join(REPO_ROOT, 'node_modules') }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 };
    if (example.lang === 'sh') return await run('bash', ['-e', '-o', 'pipefail', '-c', example.code], options);
    const { outputText } = ts.transpileModule(example.code, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const file = join(dir, `${example.title}.cjs`);
    writeFileSync(file, outputText);
    return await run(process.execPath, [file], options);
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string; code?: number | string };
    throw new Error(`example "${example.title}" failed (${failed.code ?? failed.message})\nstdout:\n${failed.stdout ?? ''}\nstderr:\n${failed.stderr ?? ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
