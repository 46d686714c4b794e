// Secrets written as files at their declared `mountPath`, for the holders that need them (a server's worker pool,
// a local run). A path is written once (folders we create 0700, the file 0600) and shared only by holders of the
// same value — or of the same scope, whose newer value replaces it (rotation). It is refused inside a protected
// folder (a state folder: only the encrypted store may hold values there) and where a file we did not write
// exists. The file goes when its last holder lets go, or at the latest when the process exits.
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { SecretMountError } from "../errors/index.js";

export interface SecretMountsOptions {
  /** Folders no secret file may be written in, e.g. the server's state folder (localDir). */
  readonly protectedDirs: readonly string[];
  /**
   * A file listing the paths this process holds (never values): a path left behind by a process that was killed is
   * recognised as ours and written again, instead of refused as someone else's file.
   */
  readonly ledger?: string | undefined;
  /** Who writes the files, for messages (e.g. "the flyte server"). */
  readonly writer: string;
}

/** One secret to mount, for messages and for scoping. */
export interface SecretMountRequest {
  /** The secret as users name it ("group/key" or "key"). */
  readonly label: string;
  /** Where its value may be shared: holders of another scope may not hold another value at the same path. */
  readonly scope: string;
  readonly mountPath: string;
  readonly value: string;
}

interface Mount {
  value: string;
  scope: string;
  label: string;
  readonly holders: Set<string>;
  /** Folders created for it, deepest last; removed again when empty. */
  readonly createdDirs: string[];
}

export class SecretMounts {
  private readonly mounts = new Map<string, Mount>();
  private readonly leftovers: ReadonlySet<string>;
  private readonly onExit = (): void => this.removeAll();

  constructor(private readonly options: SecretMountsOptions) {
    this.leftovers = new Set(readLedger(options.ledger));
  }

  /** Paths currently written. */
  get paths(): string[] {
    return [...this.mounts.keys()];
  }

  /**
   * Writes `request.value` at its mountPath for `holder` (again a no-op when it already holds it).
   * @throws SecretMountError naming the path and the fix when the path is protected, taken or not writable.
   */
  acquire(holder: string, request: SecretMountRequest): void {
    const file = path.resolve(request.mountPath);
    this.checkNotProtected(file, request);
    const existing = this.mounts.get(file);
    if (existing) {
      if (existing.value !== request.value) {
        if (existing.scope !== request.scope) {
          throw new SecretMountError(
            `secret "${request.label}" cannot be mounted at ${file}: it already holds secret "${existing.label}" of ${existing.scope} with a different value, ` +
              `and two scopes cannot share one path on one host; give one of the secrets another mountPath`,
          );
        }
        this.write(file, request, false);
        existing.value = request.value;
        existing.label = request.label;
      }
      existing.holders.add(holder);
      return;
    }
    const ours = this.leftovers.has(file);
    if (!ours && pathExists(file)) {
      throw new SecretMountError(
        `secret "${request.label}" cannot be mounted at ${file}: a file is already there that ${this.options.writer} did not write; ` +
          `remove it, or choose another mountPath`,
      );
    }
    const createdDirs = this.makeParents(path.dirname(file), request);
    try {
      this.write(file, request, !ours);
    } catch (error) {
      removeEmptyDirs(createdDirs);
      throw error;
    }
    this.mounts.set(file, { value: request.value, scope: request.scope, label: request.label, holders: new Set([holder]), createdDirs });
    if (this.mounts.size === 1) process.on("exit", this.onExit);
    this.saveLedger();
  }

  /** `holder` no longer needs its files; those nobody else holds are removed. */
  release(holder: string): void {
    let changed = false;
    for (const [file, mount] of this.mounts) {
      if (!mount.holders.delete(holder) || mount.holders.size > 0) continue;
      removeMount(file, mount);
      this.mounts.delete(file);
      changed = true;
    }
    if (changed) this.afterRemoval();
  }

  /** Removes every file (the pools or runs that held them have ended). */
  removeAll(): void {
    for (const [file, mount] of this.mounts) removeMount(file, mount);
    this.mounts.clear();
    this.afterRemoval();
  }

  private afterRemoval(): void {
    if (this.mounts.size === 0) process.off("exit", this.onExit);
    this.saveLedger();
  }

  private checkNotProtected(file: string, request: SecretMountRequest): void {
    const real = realPathOfNearest(file);
    for (const dir of this.options.protectedDirs) {
      const resolved = path.resolve(dir);
      const realDir = existsSync(resolved) ? realpathSync(resolved) : resolved;
      if (isInside(file, resolved) || isInside(real, realDir)) {
        throw new SecretMountError(
          `secret "${request.label}" cannot be mounted at ${file}: that is inside ${resolved}, the state folder of ${this.options.writer}, where no secret ` +
            `value may be written (only its encrypted secret store holds them); choose a mountPath outside it, e.g. /run/secrets/${path.basename(file)}`,
        );
      }
    }
  }

  /** Creates the missing folders above `dir` (0700), returning the ones it created, top first. */
  private makeParents(dir: string, request: SecretMountRequest): string[] {
    const missing: string[] = [];
    for (let at = dir; !pathExists(at); at = path.dirname(at)) missing.unshift(at);
    const created: string[] = [];
    try {
      for (const folder of missing) {
        mkdirSync(folder, { mode: 0o700 });
        created.push(folder);
      }
    } catch (error) {
      removeEmptyDirs(created);
      throw this.writeError(path.join(dir, "…"), request, error);
    }
    return created;
  }

  private write(file: string, request: SecretMountRequest, exclusive: boolean): void {
    try {
      if (exclusive) {
        // "wx": another process that created the file in the meantime is not overwritten.
        const fd = openSync(file, "wx", 0o600);
        try {
          writeSync(fd, request.value);
        } finally {
          closeSync(fd);
        }
      } else {
        writeFileSync(file, request.value, { mode: 0o600 });
        // The mode only applies to a new file: a leftover of a killed process keeps whatever it had.
        chmodSync(file, 0o600);
      }
    } catch (error) {
      throw this.writeError(file, request, error);
    }
  }

  private writeError(file: string, request: SecretMountRequest, error: unknown): SecretMountError {
    const code = (error as { code?: unknown }).code;
    const folder = path.dirname(file);
    return new SecretMountError(
      `cannot write secret "${request.label}" to ${file} (${typeof code === "string" ? code : (error as Error).message}); ` +
        `let the user running ${this.options.writer} write ${folder} (e.g. sudo mkdir -p ${folder} && sudo chown $(id -u) ${folder}), ` +
        `or choose a mountPath it can write`,
      { cause: error },
    );
  }

  private saveLedger(): void {
    const { ledger } = this.options;
    if (ledger === undefined) return;
    try {
      if (this.mounts.size === 0) rmSync(ledger, { force: true });
      else writeFileSync(ledger, `${JSON.stringify({ paths: [...this.mounts.keys()] }, null, 2)}\n`, { mode: 0o600 });
    } catch {
      // Only a convenience for the next start after a crash; the mounts themselves are fine.
    }
  }
}

function removeMount(file: string, mount: Mount): void {
  rmSync(file, { force: true });
  removeEmptyDirs(mount.createdDirs);
}

/** Removes folders (given top first) deepest first, stopping at the first that is not empty. */
function removeEmptyDirs(dirs: readonly string[]): void {
  for (const dir of [...dirs].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}

function readLedger(file: string | undefined): string[] {
  if (file === undefined || !existsSync(file)) return [];
  try {
    const paths = (JSON.parse(readFileSync(file, "utf8")) as { paths?: unknown }).paths;
    return Array.isArray(paths) ? paths.filter((p): p is string => typeof p === "string") : [];
  } catch {
    return [];
  }
}

/** True for anything at `file`, a dangling symlink included (lstat, unlike existsSync). */
function pathExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** `file` with the symlinks of its nearest existing ancestor resolved (what it will really be written under). */
function realPathOfNearest(file: string): string {
  let at = file;
  const rest: string[] = [];
  while (!existsSync(at) && path.dirname(at) !== at) {
    rest.unshift(path.basename(at));
    at = path.dirname(at);
  }
  return path.join(existsSync(at) ? realpathSync(at) : at, ...rest);
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}
