// State of one live run inside an engine: its root action, what a resumed run already recorded, and the
// settings every action of the run shares.
import type { BlobStore } from "../blob/index.js";
import type { ActionRecord } from "../store/index.js";
import { ActionNode } from "./action-node.js";
import { ROOT_ACTION } from "./naming.js";
import type { LogSink } from "./log-capture.js";
import type { Controller } from "./types.js";

export interface RunSettings {
  readonly project: string;
  readonly domain: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly envVars: Readonly<Record<string, string>>;
  /** Re-execute cached tasks and replace their cache entries. */
  readonly overwriteCache: boolean;
}

export class RunState {
  readonly root = new ActionNode(ROOT_ACTION, null);
  /**
   * Actions recorded by an earlier execution of this run (resume) or of a retried parent, by name.
   * Empty for a fresh run, so the common path never queries the store for existing children.
   */
  readonly prior = new Map<string, ActionRecord>();

  constructor(
    readonly name: string,
    readonly settings: RunSettings,
    readonly controller: Controller,
    /** The blob store holding the run's raw data and offloaded values. */
    readonly blobs: BlobStore,
    /** URI prefix of the run's raw data; each action attempt writes below `<prefix>/<action>/<attempt>`. */
    readonly rawDataPath: string,
    /** Where captured console output of the run's actions goes; undefined leaves output uncaptured. */
    readonly logSink: LogSink | undefined,
  ) {}

  rememberPrior(actions: Iterable<ActionRecord>): void {
    for (const action of actions) if (action.name !== ROOT_ACTION) this.prior.set(action.name, action);
  }
}
