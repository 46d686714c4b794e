// Watch streams (server-sent events). A run's stream: `snapshot` { run, actions }, then `action` { actions } and
// `run` { run } events (coalesced and batched by the watch hub), then `end` { run } once the run is terminal.
// The run list's stream: `snapshot` { runs }, then `runs` { runs } with each changed run.
import type { Hono } from "hono";
import type { ActionPhase } from "../store/index.js";
import { requireRun, type ApiContext, type ApiEnv } from "./api-context.js";
import { eventStream } from "./event-stream.js";
import { PAGE_LIMIT, PHASES } from "./routes-runs.js";
import { queryInteger, string } from "./schema.js";

export function registerWatchRoutes(app: Hono<ApiEnv>, api: ApiContext): void {
  const options = api.heartbeatMs === undefined ? {} : { heartbeatMs: api.heartbeatMs };

  app.get("/v1/runs/:name/watch", async (c) => {
    const name = c.req.param("name");
    await requireRun(api, name);
    return eventStream(c, (sink) => api.hub.watchRun(name, sink), options);
  });

  app.get("/v1/watch/runs", (c) => {
    const limit = queryInteger(c.req.query("limit"), "limit", PAGE_LIMIT, 50);
    const phaseText = c.req.query("phase");
    const phase = phaseText === undefined ? undefined : (string({ enum: PHASES }).parse(phaseText, "phase") as ActionPhase);
    return eventStream(c, (sink) => api.hub.watchRuns({ limit, ...(phase === undefined ? {} : { phase }) }, sink), options);
  });
}
