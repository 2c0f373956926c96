import { PersistenceError, PersistenceErrorCode } from './persistence.errors';

const REDACTED = '***';
const isPostgresProtocol = (protocol: string) => protocol === 'postgres:' || protocol === 'postgresql:';
const isPasswordParam = (name: string) => /password/i.test(name);

/** The URL with its password (userinfo or a `...password=` query parameter) replaced, safe to print. */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Echoing an unparseable value could print the password verbatim.
    return '<unparseable database url>';
  }
  // `vox:hunter2@db` parses as scheme `vox:`; only postgres URLs are known to keep secrets in userinfo.
  if (!isPostgresProtocol(parsed.protocol)) return `<${parsed.protocol}// url>`;
  if (parsed.password) parsed.password = REDACTED;
  for (const name of [...parsed.searchParams.keys()]) {
    if (isPasswordParam(name)) parsed.searchParams.set(name, REDACTED);
  }
  return parsed.toString();
}

/**
 * `text` with every password of `url` (as written in the URL and decoded) replaced: for error
 * messages of drivers that may quote their connection settings.
 */
export function redactSecrets(text: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text;
  }
  const secrets = new Set<string>();
  const add = (value: string) => {
    if (!value) return;
    secrets.add(value);
    try {
      secrets.add(decodeURIComponent(value));
    } catch {
      // Malformed percent-encoding: only the raw form can appear in text.
      return;
    }
  };
  add(parsed.password);
  for (const [name, value] of parsed.searchParams) if (isPasswordParam(name)) add(value);
  let result = text;
  // Longest first, so a secret containing another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) result = result.split(secret).join(REDACTED);
  return result;
}

/** The database name in a `postgres://` URL. */
export function databaseNameOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new PersistenceError(PersistenceErrorCode.InvalidDatabaseUrl, 'database url is not a valid URL', { cause: error });
  }
  if (!isPostgresProtocol(parsed.protocol)) {
    throw new PersistenceError(PersistenceErrorCode.InvalidDatabaseUrl, `database url must start with postgres:// (got ${parsed.protocol}//)`);
  }
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!name || name.includes('/')) {
    throw new PersistenceError(PersistenceErrorCode.InvalidDatabaseUrl, `database url names no database: ${redactDatabaseUrl(url)}`);
  }
  return name;
}

/** The same server and credentials, another database (e.g. the `postgres` maintenance database). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
