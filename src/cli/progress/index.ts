// The progress part's only import point: the view `flyte run` feeds a run's WriteOps to (from the local engine,
// or from a server's watch stream through WatchOpsAdapter), and the model it keeps.
export { createProgressView } from "./progress-view.js";
export type { ProgressOptions, ProgressView } from "./progress-view.js";
export { ProgressModel } from "./progress-model.js";
export type { ActionState, ProgressListener } from "./progress-model.js";
export { formatDuration } from "./progress-format.js";
export { WatchOpsAdapter } from "./watch-ops.js";
