// A server's claim on a PostgreSQL store, on the real server: refused while held, with the holder named; kept
// when its session is ended under it (taken again on a new one) or the database stops answering for a while (said,
// then taken back); and, when another server took the store while the claim was lost, said loudly rather than
// silently shared. A killed holder's release is covered end to end in
// test/server-cli.test.ts.
import net from "node:net";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { StoreInUseError } from "../../errors/index.js";
import { createTestDatabase } from "../../../test/support/postgres.js";
import { until } from "../../../test/support/process.js";
import type { PgSql } from "./schema.js";
import { claimPostgresStore, type OpenClaimSession, type PostgresClaim } from "./server-claim.js";

const database = await createTestDatabase();
const admin = postgres(database.url, { max: 1, onnotice: () => undefined });
afterAll(async () => {
  await admin.end();
  await database.drop();
});

// As openPostgresStore opens it, less the store's type parsers, which the claim's queries do not need.
const open: OpenClaimSession = (parameters) =>
  postgres(database.url, { max: 1, max_lifetime: 0, connection: parameters, onnotice: () => undefined }) as unknown as PgSql;
let schemas = 0;

/** Backend pids holding an advisory lock whose application_name is `holder`. */
async function lockHolders(holder: string): Promise<number[]> {
  const rows = await admin<Array<{ pid: number }>>`
    SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = ${holder}`;
  return rows.map((row) => row.pid);
}

/** A TCP proxy to the database whose connections can be cut and whose port refuses connections meanwhile. */
async function proxyToDatabase(): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const target = new URL(database.url);
  const sockets = new Set<net.Socket>();
  let server = net.createServer();
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket)).on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.once("error", reject).listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });
  const stop = (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  const port = await listen(0);
  const url = new URL(database.url);
  url.host = `127.0.0.1:${port}`;
  return { url: url.toString(), cut: stop, restore: async () => void (await listen(port)), close: stop };
}

describe("claimPostgresStore", () => {
  it("refuses a second holder of the same schema, naming the first and how to end its session", async () => {
    const schema = `c${++schemas}`;
    const first = await claimPostgresStore(open, schema, "the store", "flyte server A");
    try {
      const [pid] = await lockHolders("flyte server A");
      const refused = await claimPostgresStore(open, schema, "the store", "flyte server B").then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(StoreInUseError);
      expect((refused as Error).message).toMatch(new RegExp(`holds the run store the store: flyte server A, PostgreSQL session ${pid} .*pg_terminate_backend\\(${pid}\\)`));
      // Another schema is another store.
      const other = await claimPostgresStore(open, `c${++schemas}`, "another store", "flyte server B");
      await other.release();
    } finally {
      await first.release();
    }
    const again = await claimPostgresStore(open, schema, "the store", "flyte server B");
    await again.release();
  });

  it("takes the claim again on a new session when its session is ended, and says so", async () => {
    const lines: string[] = [];
    const claim = await claimPostgresStore(open, `c${++schemas}`, "the store", "flyte server K", { log: (line) => lines.push(line), checkMs: 50 });
    try {
      const [before] = await lockHolders("flyte server K");
      await admin`SELECT pg_terminate_backend(${before!})`;
      const after = await until("the claim held again on a new session", async () => {
        const [pid] = await lockHolders("flyte server K");
        return pid !== undefined && pid !== before ? pid : undefined;
      }, 10_000);
      expect(after).not.toBe(before);
      // The driver reconnected on its own; the new session had to take the lock itself.
      await until("the log saying so", () => (lines.includes("took the claim on the run store the store again, on a new session") ? true : undefined), 5_000);
    } finally {
      await claim.release();
    }
  });

  it("says when it lost the claim because the database stopped answering, and when it took it back", async () => {
    const proxy = await proxyToDatabase();
    const lines: string[] = [];
    const through: OpenClaimSession = (parameters) =>
      postgres(proxy.url, { max: 1, max_lifetime: 0, connection: parameters, onnotice: () => undefined, connect_timeout: 2 }) as unknown as PgSql;
    const claim = await claimPostgresStore(through, `c${++schemas}`, "the store", "flyte server P", { log: (line) => lines.push(line), checkMs: 50 });
    try {
      await proxy.cut();
      const lost = await until("the log saying the claim was lost", () => lines.find((line) => line.startsWith("lost the claim on the run store the store")), 10_000);
      expect(lost).toMatch(/taking it again once the database answers/);
      // The database ended the session when its client went, and the lock with it.
      await until("the lock let go", async () => ((await lockHolders("flyte server P")).length === 0 ? true : undefined), 10_000);
      await proxy.restore();
      await until("the claim held again", async () => ((await lockHolders("flyte server P")).length === 1 ? true : undefined), 10_000);
      await until("the log saying so", () => (lines.includes("took the claim on the run store the store again, on a new session") ? true : undefined), 5_000);
    } finally {
      await claim.release();
      await proxy.close();
    }
  });

  it("says loudly when another server took the store while its claim was lost", async () => {
    const schema = `c${++schemas}`;
    const lines: string[] = [];
    let claim: PostgresClaim | undefined;
    let thief: PostgresClaim | undefined;
    try {
      claim = await claimPostgresStore(open, schema, "the store", "flyte server L", { log: (line) => lines.push(line), checkMs: 2_000 });
      const [pid] = await lockHolders("flyte server L");
      await admin`SELECT pg_terminate_backend(${pid!})`;
      thief = await until("another server taking the free store", () =>
        claimPostgresStore(open, schema, "the store", "flyte server T").then((taken) => taken, () => undefined), 5_000);
      const warning = await until("the warning", () => lines.find((line) => line.startsWith("another flyte server took the run store the store")), 5_000);
      expect(warning).toMatch(/flyte server T, PostgreSQL session \d+.*stop one of them/);
    } finally {
      await thief?.release();
      await claim?.release();
    }
  });
});
