// A server's claim on its SQLite run database: `<database>-lock`, a small SQLite file in which the server keeps a
// write transaction open while it runs. SQLite's lock on it is the OS's: it goes with the process however the
// process ends, so a killed server's restart takes the claim at once and no stale file keeps a server from
// starting; SQLite keeps two connections of one process apart as well. An open write transaction still lets others
// read, so whoever is refused reads who holds the claim (written and committed just before it was taken).
import path from "node:path";
import Database from "better-sqlite3";
import { StoreInUseError } from "../../errors/index.js";

export interface SqliteClaim {
  release(): void;
}

const isBusy = (error: unknown): boolean => (error as { code?: unknown }).code === "SQLITE_BUSY";

/** Takes the claim on the database at `file`, or throws StoreInUseError naming the holder and its lock file. */
export function claimSqliteDatabase(file: string, holder: string): SqliteClaim {
  const database = path.resolve(file);
  const lockFile = `${database}-lock`;
  // No waiting: another server holds the lock for as long as it runs.
  const lock = new Database(lockFile, { timeout: 0 });
  try {
    lock.exec("BEGIN IMMEDIATE");
    lock.exec("CREATE TABLE IF NOT EXISTS holder (description TEXT NOT NULL)");
    lock.exec("DELETE FROM holder");
    lock.prepare("INSERT INTO holder (description) VALUES (?)").run(`${holder}, since ${new Date().toISOString()}`);
    lock.exec("COMMIT");
    // Held from here on. A server that took the lock between the two statements has the claim instead.
    lock.exec("BEGIN IMMEDIATE");
  } catch (error) {
    if (!isBusy(error)) {
      lock.close();
      throw error;
    }
    const other = holderOf(lock);
    lock.close();
    throw new StoreInUseError(
      `another flyte server is using the run database ${database}${other === undefined ? "" : `: ${other}`}. ` +
        "Two servers on one database would both resume its unfinished runs and run their actions twice. Stop that " +
        `server, or give this one a database of its own (--db). It keeps ${lockFile} locked while it runs; ` +
        `\`fuser -v ${lockFile}\` names its process.`,
      { cause: error },
    );
  }
  return { release: () => lock.close() };
}

/** Who holds the claim, as they described themselves; undefined when that cannot be read right now. */
function holderOf(lock: Database.Database): string | undefined {
  try {
    if (lock.inTransaction) lock.exec("ROLLBACK");
    const row = lock.prepare<[], { description: string }>("SELECT description FROM holder").get();
    return row?.description;
  } catch {
    return undefined;
  }
}
