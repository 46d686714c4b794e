// A server's claim on its PostgreSQL run store: a session-level advisory lock on the store's schema, held by a
// connection of its own (outside the store's pool, which may have a single connection) while the server runs. PostgreSQL drops the lock with the session, so it goes with the
// server however the server ends: at once when its process dies (the connection closes), and within about half a
// minute when its machine does, because the session asks the database to probe an idle client (TCP keepalives;
// the system default waits two hours). Whoever is refused is told who holds it, from pg_locks.
import { StoreInUseError } from "../../errors/index.js";
import type { PgSql } from "./schema.js";

export interface PostgresClaim {
  /** Ends the claim's session, and with it the lock. */
  release(): Promise<void>;
}

/** The advisory-lock class of a server's claim ("FLYT"); the object is the schema's hash. */
const CLAIM_CLASS = 0x464c5954;
/** Keepalive probes after 10 s of silence, every 5 s, 3 missed: a dead client's session ends within ~25 s. */
const KEEPALIVES: ReadonlyArray<[string, string]> = [
  ["tcp_keepalives_idle", "10"],
  ["tcp_keepalives_interval", "5"],
  ["tcp_keepalives_count", "3"],
];

interface HolderRow {
  pid: number;
  application_name: string;
  addr: string | null;
  backend_start: Date | null;
}

/** Takes the claim on the store in `schema`, or throws StoreInUseError naming the holder and how to end its session. */
export async function claimPostgresStore(session: PgSql, schema: string, label: string, holder: string): Promise<PostgresClaim> {
  // Reserved: the driver retires a pooled connection after its max_lifetime, which would drop the lock.
  const conn = await session.reserve();
  const release = (): Promise<void> => {
    conn.release();
    return session.end({ timeout: 1 });
  };
  try {
    const settings: Array<[string, string]> = [["application_name", holder], ...KEEPALIVES];
    await conn.unsafe(`SELECT ${settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`).join(", ")}`, settings.flat());
    const [row] = await conn.unsafe<Array<{ held: boolean }>>("SELECT pg_try_advisory_lock($1::int4, hashtext($2)) AS held", [CLAIM_CLASS, schema]);
    if (row?.held === true) return { release };
    const [other] = await conn.unsafe<HolderRow[]>(
      `SELECT a.pid, a.application_name, host(a.client_addr) AS addr, a.backend_start
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = $1::int4::oid AND l.objid = hashtext($2)::oid`,
      [CLAIM_CLASS, schema],
    );
    throw new StoreInUseError(
      `another flyte server holds the run store ${label}${other === undefined ? "" : `: ${describe(other)}`}. ` +
        "Two servers on one store would both resume its unfinished runs and run their actions twice. Stop that server, " +
        "or give this one a store of its own (another database, or schema). A server that is gone loses its claim " +
        "within about half a minute" +
        (other === undefined ? "." : `; to end it now: SELECT pg_terminate_backend(${other.pid});`),
    );
  } catch (error) {
    await release();
    throw error;
  }
}

function describe(row: HolderRow): string {
  const from = row.addr === null ? "" : ` from ${row.addr}`;
  const since = row.backend_start === null ? "" : ` since ${row.backend_start.toISOString()}`;
  return `${row.application_name || "a client without a name"}, PostgreSQL session ${row.pid}${from}${since}`;
}
