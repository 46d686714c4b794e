// The progress part's only import point: the view `flyte run --local` feeds a run's WriteOps to, and the
// model it keeps (exported for other renderers, e.g. a future `flyte get run --watch`).
export { createProgressView } from "./progress-view.js";
export type { ProgressOptions, ProgressView } from "./progress-view.js";
export { ProgressModel } from "./progress-model.js";
export type { ActionState, ProgressListener } from "./progress-model.js";
export { formatDuration } from "./progress-format.js";
