// Opens (creating if needed) a SQLite run database: parent folder, pragmas, schema migration.
// WAL + synchronous=NORMAL survives a process kill (only an OS crash can lose the last commits), and lets a
// CLI read runs while the engine writes; `synchronous: "full"` also survives an OS crash (every commit is synced);
// busy_timeout makes concurrent writers wait instead of failing.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { migrate } from "./schema.js";
import { SqliteRunStore } from "./sqlite-run-store.js";
import { WalCheckpointer } from "./wal-checkpointer.js";

const BUSY_TIMEOUT_MS = 5000;
/** Negative cache_size is in KiB: 64 MiB keeps the hot part of a 100k-action run in memory. */
const CACHE_SIZE_KIB = 65536;
/**
 * Pages of WAL before an automatic checkpoint (default 1000). Action names are hashes, so every batch dirties
 * leaves all over the indexes; checkpointing less often copies each hot page to the database once instead of
 * many times, which measured ~1.3x more actions per second on a file. journal_size_limit trims the WAL file afterwards.
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

function isInMemory(path: string): boolean {
  return path === "" || path === ":memory:";
}

export interface SqliteStoreOptions {
  /** "normal" (the default): commits reach the disk at checkpoints; "full": every commit is synced. */
  readonly synchronous?: "normal" | "full" | undefined;
  /**
   * Where the log is copied back into the file: "inline" (the default), inside the commit that crosses the
   * threshold; "background", by a worker thread (see wal-checkpointer.ts), so that no commit waits for it: for
   * long-lived processes that must not stall (a server). Ignored for in-memory databases.
   */
  readonly checkpoints?: "inline" | "background" | undefined;
  /** Told when a background checkpoint fails. */
  readonly onCheckpointError?: ((message: string) => void) | undefined;
}

/** Opens the store at `path` (":memory:" for a private in-memory database, e.g. in tests). */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteRunStore {
  if (!isInMemory(path)) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("temp_store = MEMORY");
    db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
    const background = options.checkpoints === "background" && !isInMemory(path);
    db.pragma(`wal_autocheckpoint = ${background ? 0 : WAL_AUTOCHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
    migrate(db);
    const checkpointer = background
      ? new WalCheckpointer(path, {
          busyTimeoutMs: BUSY_TIMEOUT_MS,
          onError: options.onCheckpointError,
          // Without the thread the log would only grow: SQLite's own checkpoints take over again.
          onStopped: () => {
            if (db.open) db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
          },
        })
      : undefined;
    return new SqliteRunStore(db, checkpointer);
  } catch (error) {
    db.close();
    throw error;
  }
}
