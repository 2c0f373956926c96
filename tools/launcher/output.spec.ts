import { SERVICE_NAMES } from '@voxbridge/contracts';
import { replicaPlan } from './config';
import { bannerLines, LABEL_WIDTH, LineSplitter, Output, prefixLine, progressText, serviceColour, Tail } from './output';

describe(LineSplitter.name, () => {
  it('emits only complete lines and keeps a split line until its end arrives', () => {
    const sut = new LineSplitter();
    expect(sut.push('one\ntw')).toEqual(['one']);
    expect(sut.push('o\r\nthree\n')).toEqual(['two', 'three']);
    expect(sut.push('four')).toEqual([]);
    expect(sut.flush()).toEqual(['four']);
    expect(sut.flush()).toEqual([]);
  });
});

describe(Tail.name, () => {
  it('keeps only the last lines', () => {
    const sut = new Tail(2);
    ['a', 'b', 'c'].forEach((line) => sut.push(line));
    expect(sut.get()).toEqual(['b', 'c']);
  });
});

describe(prefixLine.name, () => {
  it('pads every label to the longest service name so the lines align', () => {
    expect(LABEL_WIDTH).toBe('plugin-supervisor'.length);
    expect(prefixLine('agent-api', 'hello', null)).toBe(`${'agent-api'.padEnd(LABEL_WIDTH)} │ hello`);
    expect(prefixLine('plugin-supervisor', 'x', null).indexOf('│')).toBe(prefixLine('launcher', 'y', null).indexOf('│'));
  });

  it('colours only the label', () => {
    expect(prefixLine('stt-gateway', 'hello', 'cyan')).toBe(`\u001b[36m${'stt-gateway'.padEnd(LABEL_WIDTH)}\u001b[0m │ hello`);
  });
});

describe(progressText.name, () => {
  it('lists the ready services in fleet order', () => {
    expect(progressText(['session-store', 'agent-api', 'stt-gateway'])).toBe('ready 3/8: agent-api, session-store, stt-gateway');
    expect(progressText([])).toBe('ready 0/8');
  });

  it('says 8/8 ready once all are', () => {
    expect(progressText([...SERVICE_NAMES].reverse())).toBe('8/8 ready');
  });
});

describe(bannerLines.name, () => {
  const ports = replicaPlan(20000, 1);
  const sut = bannerLines({ version: '0.1.0', namespace: 'vb', bootMs: 12_345, host: 'localhost', ports, replicas: 1, nats: 'nats://n', postgres: 'pg', fakeProviders: false }).join('\n');

  it('says 8/8 ready and gives the API and fleet health URLs', () => {
    expect(sut).toContain('8/8 ready in 12.3 s (namespace vb)');
    expect(sut).toMatch(/Web app\s+http:\/\/localhost:20000\/\n/);
    expect(sut).toMatch(/API\s+http:\/\/localhost:20000\/api\n/);
    expect(sut).toContain('http://localhost:20000/api/fleet/health');
  });

  it('says where the admin API key is when the launcher keeps one', () => {
    expect(sut).not.toContain('Admin API key');
    const withKey = bannerLines({ version: '0.1.0', namespace: 'vb', bootMs: 1, host: 'localhost', ports, replicas: 1, nats: 'n', postgres: 'p', fakeProviders: false, adminKeyFile: '.voxbridge/admin-key' });
    expect(withKey.join('\n')).toMatch(/Admin API key\s+\.voxbridge\/admin-key/);
  });

  it('shows the key itself only when given it (on a terminal), with where it is kept', () => {
    const shown = bannerLines({ version: '0.1.0', namespace: 'vb', bootMs: 1, host: 'localhost', ports, replicas: 1, nats: 'n', postgres: 'p', fakeProviders: false, adminKeyFile: '.voxbridge/admin-key', adminKey: 'vbk_abc' });
    expect(shown.join('\n')).toMatch(/Admin API key\s+vbk_abc\s+\(kept in \.voxbridge\/admin-key/);
  });

  it("gives each service's health and metrics URL", () => {
    for (const { service, port } of ports) {
      expect(sut).toMatch(new RegExp(`${service}\\s+http://localhost:${port}/health\\s+http://localhost:${port}/metrics`));
    }
  });

  it('with replicas, says how many and gives each replica its URLs, still 8/8 ready', () => {
    const replicas = replicaPlan(20000, 2);
    const sut = bannerLines({ version: '0.1.0', namespace: 'vb', bootMs: 1_000, host: 'localhost', ports: replicas, replicas: 2, nats: 'n', postgres: 'p', fakeProviders: true }).join('\n');
    expect(sut).toContain('8/8 ready in 1.0 s (namespace vb, 2 replicas per worker, fake providers)');
    expect(sut).toMatch(/ stt-gateway#1\s+http:\/\/localhost:20003\/health/);
    expect(sut).toMatch(/ stt-gateway#2\s+http:\/\/localhost:20008\/health/);
    expect(sut).toMatch(/ tts-gateway#2\s+http:\/\/localhost:20010\/health/);
    expect(sut).toMatch(/Web app\s+http:\/\/localhost:20000\/\n/);
  });
});

describe(Output.name, () => {
  const capture = () => {
    const chunks: string[] = [];
    return { stream: { write: (chunk: string) => chunks.push(chunk) } as unknown as NodeJS.WritableStream, text: () => chunks.join('') };
  };

  it('prefixes every line of a multi-line message, errors on stderr, no colours when off', () => {
    const stdout = capture();
    const stderr = capture();
    const sut = new Output(stdout.stream, stderr.stream, false);
    sut.error('port 4900 (agent-api) is already in use\nport 4901 (webrtc-gateway) is already in use');
    sut.service({ service: 'tts-gateway', name: 'tts-gateway' }, '{"msg":"hi"}');
    expect(stderr.text()).toBe(
      `${'launcher'.padEnd(LABEL_WIDTH)} │ port 4900 (agent-api) is already in use\n${'launcher'.padEnd(LABEL_WIDTH)} │ port 4901 (webrtc-gateway) is already in use\n`,
    );
    expect(stdout.text()).toBe(`${'tts-gateway'.padEnd(LABEL_WIDTH)} │ {"msg":"hi"}\n`);
  });

  it("prefixes a replica's lines with its own name, in its service's colour", () => {
    const stdout = capture();
    const sut = new Output(stdout.stream, capture().stream, true);
    sut.service({ service: 'stt-gateway', name: 'stt-gateway#2' }, 'hello');
    expect(stdout.text()).toBe(`${prefixLine('stt-gateway#2', 'hello', serviceColour('stt-gateway'))}\n`);
    expect(stdout.text()).toContain(`${'stt-gateway#2'.padEnd(LABEL_WIDTH)}\u001b[0m │ hello`);
  });
});
