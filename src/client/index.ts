// The client part's only import point: FlyteClient, a typed HTTP client for a Flyte server's /v1 API, and the
// errors it raises besides the Flyte error classes it maps API codes onto.
export {
  FlyteClient,
  toActionRecord,
  toRunRecord,
  type ActionDetail,
  type CodeInfo,
  type CodeUploadRequest,
  type CreateRunRequest,
  type FlyteClientOptions,
  type ListRunsOptions,
  type RunPage,
  type RunWatchEvent,
  type SecretInfo,
  type SecretLocation,
  type TaskScope,
  type WorkerHostGrant,
} from "./flyte-client.js";
export { FlyteApiError, ServerUnreachableError, UnauthorizedError } from "./errors.js";
export { followRun, type FollowRunOptions } from "./follow-run.js";
