// A server's claim on its PostgreSQL run store: a session-level advisory lock on the store's schema, held by a
// connection of its own (outside the store's pool, which may have a single connection) while the server runs.
// PostgreSQL drops the lock with the session, so it goes with the server however the server ends: at once when its
// process dies (the connection closes), and within about half a minute when its machine does, because the session
// asks the database to probe an idle client (TCP keepalives; the system default waits two hours). A holder checks
// every few seconds that its session still holds the lock, and takes it again after losing the session (the
// database restarted); whoever is refused is told who holds it, from pg_locks.
import { StoreInUseError } from "../../errors/index.js";
import type { PgSql } from "./schema.js";

export interface PostgresClaim {
  /** Ends the claim's session, and with it the lock. */
  release(): Promise<void>;
}

/**
 * Opens a one-connection pool on the store's database with these startup parameters, which the driver sends again
 * whenever it reconnects, and which never retires its connection for age (that would drop the lock).
 */
export type OpenClaimSession = (parameters: Record<string, string>) => PgSql;

/** The advisory-lock class of a server's claim ("FLYT"); the object is the schema's hash. */
const CLAIM_CLASS = 0x464c5954;
/** Keepalive probes after 10 s of silence, every 5 s, 3 missed: a dead client's session ends within ~25 s. */
const KEEPALIVES = { tcp_keepalives_idle: "10", tcp_keepalives_interval: "5", tcp_keepalives_count: "3" };
/** How often a holder makes sure its session still holds the lock. */
const CHECK_MS = 5_000;

/** This session holds the lock, or takes it now if it is free. One statement: CASE evaluates in order. */
const HOLD = `SELECT CASE WHEN EXISTS (
    SELECT FROM pg_locks
     WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted AND objsubid = 2
       AND classid = $1::int4::oid AND objid = hashtext($2)::oid)
  THEN true ELSE pg_try_advisory_lock($1::int4, hashtext($2)) END AS held, pg_backend_pid() AS pid`;

const HOLDER = `SELECT a.pid, a.application_name, host(a.client_addr) AS addr, a.backend_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = $1::int4::oid AND l.objid = hashtext($2)::oid`;

interface HolderRow {
  pid: number;
  application_name: string;
  addr: string | null;
  backend_start: Date | null;
}

export interface ClaimOptions {
  /** Told when the claim is lost, taken by another server meanwhile, or taken back. */
  readonly log?: ((line: string) => void) | undefined;
  readonly checkMs?: number | undefined;
}

/** Takes the claim on the store in `schema`, or throws StoreInUseError naming the holder and how to end its session. */
export async function claimPostgresStore(
  open: OpenClaimSession,
  schema: string,
  label: string,
  holder: string,
  options: ClaimOptions = {},
): Promise<PostgresClaim> {
  const session = open({ application_name: holder, ...KEEPALIVES });
  const log = options.log ?? (() => undefined);
  let state: "held" | "lost" | "taken" = "held";
  /** The session's backend: the driver reconnects on its own, and a new session had to take the lock again. */
  let pid: number | undefined;
  /** Whether this session holds the lock now, and whether it is another session than at the last check. */
  const hold = async (): Promise<{ held: boolean; renewed: boolean }> => {
    const [row] = await session.unsafe<Array<{ held: boolean; pid: number }>>(HOLD, [CLAIM_CLASS, schema]);
    const renewed = pid !== undefined && row?.pid !== pid;
    pid = row?.pid;
    return { held: row?.held === true, renewed };
  };
  const holderOf = async (): Promise<HolderRow | undefined> => (await session.unsafe<HolderRow[]>(HOLDER, [CLAIM_CLASS, schema]))[0];
  try {
    if (!(await hold()).held) {
      const other = await holderOf();
      throw new StoreInUseError(
        `another flyte server holds the run store ${label}${other === undefined ? "" : `: ${describe(other)}`}. ` +
          "Two servers on one store would both resume its unfinished runs and run their actions twice. Stop that server, " +
          "or give this one a store of its own (another database, or schema). A server that is gone loses its claim " +
          "within about half a minute" +
          (other === undefined ? "." : `; to end it now: SELECT pg_terminate_backend(${other.pid});`),
      );
    }
  } catch (error) {
    await session.end({ timeout: 1 });
    throw error;
  }

  let checking = false;
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    try {
      const { held, renewed } = await hold();
      if (held) {
        if (state !== "held" || renewed) log(`took the claim on the run store ${label} again${renewed ? ", on a new session" : ""}`);
        state = "held";
      } else if (state !== "taken") {
        state = "taken";
        const other = await holderOf();
        log(
          `another flyte server took the run store ${label} while this one's claim was lost` +
            `${other === undefined ? "" : ` (${describe(other)})`}: both now resume its unfinished runs; stop one of them`,
        );
      }
    } catch (error) {
      if (state === "held") {
        state = "lost";
        log(`lost the claim on the run store ${label} (${error instanceof Error ? error.message : String(error)}); taking it again once the database answers`);
      }
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), options.checkMs ?? CHECK_MS);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await session.end({ timeout: 1 });
    },
  };
}

function describe(row: HolderRow): string {
  const from = row.addr === null ? "" : ` from ${row.addr}`;
  const since = row.backend_start === null ? "" : ` since ${row.backend_start.toISOString()}`;
  return `${row.application_name || "a client without a name"}, PostgreSQL session ${row.pid}${from}${since}`;
}
