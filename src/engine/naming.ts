// Deterministic action names. A parent that re-executes (resume after a crash, a retry) issues the same calls
// in the same order, so each child gets the same name and is re-attached instead of run twice.
import { randomBytes } from "node:crypto";
import { hashText } from "../io/index.js";

export const ROOT_ACTION = "a0";

/** Name of a child action: a short hash of who called what, with which inputs, as which call, in which group. */
export function childActionName(
  parentName: string,
  taskId: string,
  inputsHash: string,
  seq: number,
  group: string | null,
): string {
  return hashText(`${parentName}\u0000${taskId}\u0000${inputsHash}\u0000${seq}\u0000${group ?? ""}`).slice(0, 16);
}

const RUN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
/** The largest multiple of the alphabet's size a byte can be below: bytes from it up are skipped (no bias). */
const UNBIASED_BELOW = 256 - (256 % RUN_ALPHABET.length);

/** Random bytes drawn a few KiB at a time: one call into the system's generator per run costs more than a name. */
let entropy = Buffer.alloc(0);
let used = 0;

function randomByte(): number {
  if (used === entropy.length) {
    entropy = randomBytes(4096);
    used = 0;
  }
  return entropy[used++]!;
}

/** A fresh run name: "r" followed by 11 random lowercase letters and digits (~57 bits). */
export function newRunName(): string {
  let name = "r";
  while (name.length < 12) {
    const byte = randomByte();
    if (byte < UNBIASED_BELOW) name += RUN_ALPHABET[byte % RUN_ALPHABET.length];
  }
  return name;
}

/** Run names are user-visible handles typed on the command line: keep them to a safe alphabet. */
export const RUN_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** Projects and domains. */
export const SCOPE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** A task id `env.task`: an environment name, a dot, and a task name that is an identifier. */
export const TASK_ID_PATTERN = /^[a-z0-9_-]+\.[A-Za-z_][A-Za-z0-9_]*$/;

export function isValidRunName(name: string): boolean {
  return RUN_NAME_PATTERN.test(name);
}
