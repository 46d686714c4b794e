// The tasks this server can run: those exported by the files it loaded (listed), and any task registered in
// its process (found by id, e.g. a child task that its module does not export).
import type { Hono } from "hono";
import { notFound } from "./api-error.js";
import type { ApiContext, ApiEnv } from "./api-context.js";
import { taskView } from "./views.js";

export function registerTaskRoutes(app: Hono<ApiEnv>, api: ApiContext): void {
  app.get("/v1/tasks", (c) => {
    const tasks = [...api.catalog.list()].sort((a, b) => a.id.localeCompare(b.id));
    return c.json({ tasks: tasks.map(taskView) });
  });

  app.get("/v1/tasks/:id", async (c) => {
    const id = c.req.param("id");
    const task = (await api.catalog.find(id))?.task;
    if (!task) throw notFound("TASK_NOT_FOUND", `no task "${id}" is loaded in this server; list the loaded tasks with GET /v1/tasks`);
    return c.json({ task: taskView(task) });
  });
}
