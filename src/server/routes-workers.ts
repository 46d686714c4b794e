// Worker hosts (`flyte start worker --endpoint URL`): register, hold one event stream of work, post back what
// their workers report (which also renews their lease) and heartbeat while idle; bundles come from the code
// routes. Only a server that runs tasks in worker processes takes hosts; one running them in-process answers 409.
import type { Hono } from "hono";
import type { WorkerHosts, HostReport } from "../executor/worker-hosts.js";
import { ApiError, notFound } from "./api-error.js";
import { readBody, type ApiContext, type ApiEnv } from "./api-context.js";
import { eventStream } from "./event-stream.js";
import { arrayOf, integer, jsonArray, object, optional, string } from "./schema.js";

const POOL = /^(\*|[a-z0-9_-]{1,63})$/;

export const registerWorkerBody = object(
  {
    name: string({ description: "the host's name, for logs", pattern: /^[\w.-]{1,128}$/, patternHint: "letters, digits, '.', '_' and '-'" }),
    pools: optional(arrayOf(string({ pattern: POOL, patternHint: 'an environment name, or "*" for every pool' }), "pools the host serves (default: every pool)")),
    slots: optional(integer({ min: 1, max: 10_000 }, "attempts the host runs at once per module (default 8)")),
  },
  "a worker host joining the server",
);

export const workerReportsBody = object({ reports: jsonArray("what the host's workers sent: { module, message } or { module, exited }") }, "reports from a worker host");

/** How often a host should heartbeat: well inside its lease. */
export function heartbeatMsFor(leaseMs: number): number {
  return Math.max(50, Math.floor(leaseMs / 4));
}

export function registerWorkerRoutes(app: Hono<ApiEnv>, api: ApiContext): void {
  const hostsOf = (): WorkerHosts => {
    if (!api.workers) {
      throw new ApiError(409, "NO_WORKER_POOLS", "this server runs tasks in its own process (--in-process); start it without --in-process to take worker hosts");
    }
    return api.workers;
  };
  const hostOf = (id: string) => {
    const host = hostsOf().get(id);
    if (!host) throw notFound("WORKER_NOT_FOUND", `no worker host "${id}" is registered (its lease may have expired); register again with POST /v1/workers`);
    return host;
  };

  app.post("/v1/workers", async (c) => {
    const hosts = hostsOf();
    const body = await readBody(c, registerWorkerBody);
    const host = hosts.register({ name: body.name, pools: body.pools ?? ["*"], slots: body.slots ?? 8 });
    const worker = { id: host.id, leaseMs: hosts.leaseMs, heartbeatMs: heartbeatMsFor(hosts.leaseMs), blobs: api.engine.resources.blobs.root };
    return c.json({ worker }, 201);
  });

  app.get("/v1/workers", (c) => {
    const workers = (api.workers?.all ?? []).map((host) => ({ id: host.id, ...host.registration, lastSeen: host.lastSeen }));
    return c.json({ workers });
  });

  app.get("/v1/workers/:id/stream", (c) => {
    const host = hostOf(c.req.param("id"));
    return eventStream(c, (sink) => host.subscribe((batch) => sink.send([{ event: "messages", data: batch }])), { heartbeatMs: api.heartbeatMs ?? 15_000 });
  });

  app.post("/v1/workers/:id/reports", async (c) => {
    const host = hostOf(c.req.param("id"));
    const body = await readBody(c, workerReportsBody);
    host.receive(body.reports as HostReport[]);
    return c.body(null, 204);
  });

  app.post("/v1/workers/:id/heartbeat", (c) => {
    hostOf(c.req.param("id")).lastSeen = Date.now();
    return c.body(null, 204);
  });
}
