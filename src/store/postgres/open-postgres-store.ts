// Opens a PostgreSQL run store: validates the options, creates the postgres.js pool with the schema on its
// search_path, migrates, and returns the store. A failure to connect or migrate ends the pool and names the
// server (never the password) in the error, so a misconfigured --db says what to fix.
import postgres from "postgres";
import { InvalidOptionError } from "../../errors/index.js";
import { PostgresRunStore } from "./postgres-run-store.js";
import { migrate, quoteIdentifier, type PgSql } from "./schema.js";

export interface PostgresStoreOptions {
  /** Schema holding the tables, created if missing (default "public"); lets several stores share a database. */
  schema?: string;
  /** Most connections the pool opens (default 10). */
  max?: number;
}

const DEFAULT_SCHEMA = "public";
const DEFAULT_MAX_CONNECTIONS = 10;
const MAX_CONNECTIONS_LIMIT = 1000;
// PostgreSQL's identifier limit is 63 bytes; "pg_" names are reserved for system schemas.
const SCHEMA_RULE = /^(?!pg_)[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** BIGINT columns are millisecond timestamps, well inside a double's exact range: read them as numbers. */
const BIGINT_AS_NUMBER = {
  to: 20,
  from: [20],
  serialize: (value: number): string => String(value),
  parse: (value: string): number => Number(value),
};

function checkUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")) {
    throw new InvalidOptionError(
      `The PostgreSQL URL "${url.replace(/:[^:@/]*@/, ":***@")}" is not valid: expected ` +
        "postgres://user[:password]@host[:port]/database.",
    );
  }
  return parsed;
}

function checkOptions(options: PostgresStoreOptions): { schema: string; max: number } {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (typeof schema !== "string" || !SCHEMA_RULE.test(schema)) {
    throw new InvalidOptionError(
      `schema ${JSON.stringify(schema)} is not valid: use 1-63 letters, digits and underscores, starting with a ` +
        'letter or underscore and not with "pg_".',
    );
  }
  const max = options.max ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(max) || max < 1 || max > MAX_CONNECTIONS_LIMIT) {
    throw new InvalidOptionError(
      `max ${String(max)} is not valid: use a whole number of connections from 1 to ${MAX_CONNECTIONS_LIMIT}.`,
    );
  }
  return { schema, max };
}

/**
 * Connects to the PostgreSQL database at `url`, brings its schema up to date and returns the store.
 * @example const store = await openPostgresStore("postgres://flyte@db:5432/flyte", { schema: "flyte" });
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresRunStore> {
  const where = checkUrl(url);
  const { schema, max } = checkOptions(options);
  const label = `${where.protocol}//${where.host}${where.pathname} (schema ${schema})`;
  const pool = (size: number, extra: Record<string, string> = {}, lifetime?: { max_lifetime: number }): PgSql =>
    postgres(url, {
      max: size,
      ...lifetime,
      // Migrations' "already exists, skipping" notices are expected; the driver would print them to the console.
      onnotice: () => undefined,
      connection: { application_name: "flyte", search_path: quoteIdentifier(schema), ...extra },
      types: { bigint: BIGINT_AS_NUMBER },
    });
  const sql = pool(max);
  try {
    await migrate(sql, schema);
  } catch (error) {
    await sql.end({ timeout: 0 });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Could not open the PostgreSQL run store at ${label}: ${reason}. ` +
        "Check that the server is running, the URL (user, password, database) is right, and the user may create tables.",
      { cause: error },
    );
  }
  // Batches commit one at a time, so writes that need not wait for the disk (see WriteDurability) need one connection.
  // A claim's connection is never retired for age (0: no max_lifetime), which would drop its lock.
  return new PostgresRunStore(sql, schema, label, pool(1, { synchronous_commit: "off" }), (parameters) => pool(1, parameters, { max_lifetime: 0 }));
}
