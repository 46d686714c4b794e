// A fresh PostgreSQL database per test file, created through the admin database of the real server the tests
// need (127.0.0.1:5432, user postgres, or FLYTE_TEST_POSTGRES_URL). No server is a failure with a clear message,
// never a skip: CI has PostgreSQL, and a silently skipped store suite would hide a broken store.
import { randomBytes } from "node:crypto";
import postgres from "postgres";

const ADMIN_URL = process.env.FLYTE_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const CONNECT_TIMEOUT_S = 10;

export interface TestDatabase {
  /** URL of the new, empty database. */
  url: string;
  /** Drops the database, ending any connection still open on it. */
  drop(): Promise<void>;
}

async function withAdmin<T>(run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(ADMIN_URL, { max: 1, connect_timeout: CONNECT_TIMEOUT_S, onnotice: () => undefined });
  try {
    return await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Creates `flyte_test_<random>` on the test server; fails loudly when the server cannot be reached. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `flyte_test_${randomBytes(6).toString("hex")}`;
  try {
    await withAdmin((sql) => sql.unsafe(`CREATE DATABASE ${name}`));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The PostgreSQL store tests need a PostgreSQL server at ${ADMIN_URL} (trust auth for user postgres), ` +
        `and creating a test database there failed: ${reason}. Start one, e.g. ` +
        "`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15`, " +
        "or point FLYTE_TEST_POSTGRES_URL at another admin database.",
      { cause: error },
    );
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
