// What a deploy sends to a server and what the server keeps per deployed task, as plain JSON, plus the version
// rule: a deploy's version is a content hash of its code bundle and the settings of the environments it
// registers, so the same code and settings always deploy under the same version and any change gives a new one.
import { canonicalJson, sha256Hex } from "./interface/canonical-json.js";
import type { InputSpec, JsonSchema } from "./interface/index.js";

/** Characters of the content hash kept in a version (64 bits: collisions are not a practical concern). */
const VERSION_LENGTH = 16;

/** What versions look like: generated ones are hex, chosen ones (`--version`) may use letters, digits, ".", "_", "-". */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** One task of a deploy, as the deploying client describes it. */
export interface DeployTask {
  /** `envName.taskName`. */
  readonly id: string;
  readonly envName: string;
  /** The inputs from its TypeScript signature; null when the task is not exported (no signature was read). */
  readonly inputs: readonly InputSpec[] | null;
  readonly output: JsonSchema | null;
  readonly outputTypeText: string | null;
  readonly docs: string | null;
}

/** One environment of a deploy: its name, the environments it depends on, and its image. */
export interface DeployEnvironment {
  readonly name: string;
  readonly dependsOn: readonly string[];
  /** The image identifier (a content hash) or reference string; null when none is set. */
  readonly image: string | null;
}

/** The body of POST /v1/deployments. */
export interface DeploymentRequest {
  readonly project?: string | undefined;
  readonly domain?: string | undefined;
  readonly version: string;
  /** sha256 of the code bundle (uploaded before) that defines every task of the deploy. */
  readonly code: string;
  readonly environments: readonly DeployEnvironment[];
  readonly tasks: readonly DeployTask[];
}

/** What a deploy did. */
export interface DeploymentResult {
  readonly project: string;
  readonly domain: string;
  readonly version: string;
  readonly code: string;
  /** Task ids registered for the first time under this version. */
  readonly created: readonly string[];
  /** Task ids that had this version already: only their deploy time moved (nothing else changed). */
  readonly redeployed: readonly string[];
}

/** What the server keeps per deployed task version (the store's opaque `definition`), and how the API shows it. */
export interface DeployedTaskDefinition {
  readonly inputs: readonly InputSpec[] | null;
  readonly output: JsonSchema | null;
  readonly outputTypeText: string | null;
  readonly docs: string | null;
  readonly retries: number;
  readonly cache: string;
  readonly report: boolean;
  readonly image: string | null;
}

/**
 * The version of a deploy: a hash of the bundle's hash and the canonical JSON of `settings` (the environments'
 * and tasks' settings as the deploying process sees them: values computed at import time count too).
 * @example deploymentVersion(bundle.hash, { environments, tasks }) // "3f9a0c2b7d1e4a55"
 */
export function deploymentVersion(bundleHash: string, settings: unknown): string {
  return sha256Hex(`${bundleHash}\u0000${canonicalJson(settings)}`).slice(0, VERSION_LENGTH);
}
