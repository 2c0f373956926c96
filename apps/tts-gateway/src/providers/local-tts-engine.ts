import { spawn } from 'node:child_process';

export type LocalTtsEngineName = 'flite' | 'espeak-ng';

export interface LocalTtsEngine {
  name: LocalTtsEngineName;
  /** flite: the voices it lists (`-lv`); espeak-ng: empty (voices follow the language). */
  voices: readonly string[];
}

/** Preference order for `auto`: flite's slt voice is the more intelligible one (toolchain §5). */
const AUTO_ORDER: readonly LocalTtsEngineName[] = ['flite', 'espeak-ng'];
const PROBE_TIMEOUT_MS = 5_000;

const probes = new Map<LocalTtsEngineName, Promise<LocalTtsEngine | null>>();

/**
 * The offline engine found on PATH, probed once per process (a version/voice listing run, not a
 * file-system search) and cached; `null` when none is installed.
 */
export async function detectLocalTtsEngine(preference: LocalTtsEngineName | 'auto' = 'auto'): Promise<LocalTtsEngine | null> {
  for (const name of preference === 'auto' ? AUTO_ORDER : [preference]) {
    let probe = probes.get(name);
    if (!probe) {
      probe = probeEngine(name);
      probes.set(name, probe);
    }
    const engine = await probe;
    if (engine) return engine;
  }
  return null;
}

async function probeEngine(name: LocalTtsEngineName): Promise<LocalTtsEngine | null> {
  const result = await run(name, name === 'flite' ? ['-lv'] : ['--version']);
  if (!result.ok) return null;
  if (name === 'espeak-ng') return { name, voices: [] };
  const listed = result.stdout.replace(/^.*available:/is, '').trim();
  return { name, voices: listed.split(/\s+/).filter((v) => v !== '') };
}

function run(command: string, args: string[]): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: PROBE_TIMEOUT_MS });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    // ENOENT (not installed) and EACCES both mean "not usable here".
    child.once('error', () => resolve({ ok: false, stdout }));
    child.once('close', (code) => resolve({ ok: code === 0, stdout }));
  });
}
