import type { HttpCase } from './http-cases';

export interface HttpOutcome {
  status: number;
  /** The body as received (cut to 600 characters). */
  body: string;
  /** What is wrong with the answer; empty when it passes. */
  problems: string[];
  /** A 2xx to a method that writes: the request was accepted, so it may change data. */
  acceptedWrite: boolean;
}

export interface Credentials {
  fuzzKey: string;
  clientKey: string;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; fields?: unknown; request_id?: unknown };
}

function authorization(testCase: HttpCase, keys: Credentials): string | undefined {
  switch (testCase.auth.kind) {
    case 'fuzz':
      return `Bearer ${keys.fuzzKey}`;
    case 'client':
      return `Bearer ${keys.clientKey}`;
    case 'header':
      return testCase.auth.value;
    case 'none':
      return undefined;
  }
}

/** Sends one case to agent-api and judges the answer against the README's error contract. */
export async function runHttpCase(baseUrl: string, testCase: HttpCase, keys: Credentials): Promise<HttpOutcome> {
  const headers: Record<string, string> = {};
  const auth = authorization(testCase, keys);
  if (auth !== undefined) headers['authorization'] = auth;
  if (testCase.contentType !== undefined) headers['content-type'] = testCase.contentType;
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${baseUrl}${testCase.path}`, {
      method: testCase.method,
      headers,
      body: testCase.body === undefined || testCase.method === 'GET' ? undefined : testCase.body,
      signal: AbortSignal.timeout(30_000),
      redirect: 'manual',
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, body: '', problems: [`no answer: ${String(error)}${cause ? ` (${cause.code ?? cause.message ?? ''})` : ''}`], acceptedWrite: false };
  }
  const problems = judge(testCase, status, text);
  return { status, body: text.slice(0, 600), problems, acceptedWrite: status >= 200 && status < 300 && testCase.method !== 'GET' };
}

function judge(testCase: HttpCase, status: number, text: string): string[] {
  const problems: string[] = [];
  if (status >= 500) return [`answered ${status}`];
  if (status === 429) return ['answered 429: the fuzz key is rate limited (a setup failure, not a pass)'];
  if (status < 400) {
    if (testCase.expect !== 'any') problems.push(`accepted (${status}) what must be refused (${testCase.expect})`);
    return problems;
  }
  if (testCase.expect === 'unauthorized' && status !== 401) problems.push(`answered ${status}, not 401`);
  if (testCase.expect === 'forbidden' && status !== 403) problems.push(`answered ${status}, not 403`);
  if (testCase.expect === 'too_large' && status !== 413) problems.push(`answered ${status}, not 413`);
  if (testCase.expect !== 'too_large' && status === 413) problems.push('answered 413 to a body within the limit');
  let body: ErrorBody;
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    return [...problems, `a ${status} whose body is not JSON`];
  }
  const error = body.error;
  if (!error || typeof error !== 'object') return [...problems, `a ${status} without {"error": …}`];
  if (typeof error.code !== 'string' || error.code === '') problems.push(`a ${status} without error.code`);
  if (typeof error.message !== 'string' || error.message.trim() === '') problems.push(`a ${status} without error.message`);
  if (typeof error.request_id !== 'string' || error.request_id === '') problems.push(`a ${status} without error.request_id`);
  if (testCase.expect === 'unauthorized' && error.code !== 'unauthorized') problems.push(`error.code ${String(error.code)}, not unauthorized`);
  if (testCase.expect === 'forbidden' && error.code !== 'forbidden') problems.push(`error.code ${String(error.code)}, not forbidden`);
  if (status === 413 && error.code !== 'payload_too_large') problems.push(`error.code ${String(error.code)}, not payload_too_large`);
  // Input the schema refuses is a validation error: a 404 or 409 would mean it got past validation.
  if (testCase.expect === 'reject' && testCase.names !== undefined && status !== 400 && status !== 413) problems.push(`answered ${status}, not 400 naming ${testCase.names}`);
  if (status === 400 && testCase.names !== undefined) {
    const said = `${String(error.message)} ${JSON.stringify(error.fields ?? {})}`;
    if (!said.includes(testCase.names)) problems.push(`the 400 does not name ${testCase.names}`);
  }
  return problems;
}
