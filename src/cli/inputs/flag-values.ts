// Reads `--name value`, `--name=value`, `--flag`, `--flag true|false` and `--no-flag` from argv into the raw
// text of each input. A camelCase input `maxItems` is also `--max-items`. Unknown, repeated and valueless flags
// are UsageErrors that say what would have been right.
import type { InputSpec, TaskInterface } from "../../deploy/interface/index.js";
import { exampleFlag } from "./examples.js";
import { acceptsBareFlag } from "../../deploy/interface/schema-kind.js";
import { UsageError } from "./usage-error.js";

export interface FlagValue {
  /** The flag as typed, e.g. `--max-items`. */
  flag: string;
  text: string;
}

export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** Every spelling of every input's flag, without the leading `--`. */
export function flagNames(inputs: readonly InputSpec[]): Map<string, InputSpec> {
  const names = new Map<string, InputSpec>();
  for (const input of inputs) names.set(input.name, input);
  for (const input of inputs) if (!names.has(kebabCase(input.name))) names.set(kebabCase(input.name), input);
  return names;
}

export function readFlagValues(iface: TaskInterface, argv: readonly string[]): Map<string, FlagValue> {
  const names = flagNames(iface.inputs);
  const values = new Map<string, FlagValue>();
  let bareFlag: string | undefined; // the previous token, when it was a boolean flag without a value
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith("--") || token === "--") {
      if (bareFlag) {
        throw new UsageError(`Unexpected argument ${JSON.stringify(token)} after ${bareFlag}: it is a boolean flag; write ${bareFlag}, ${bareFlag} true|false or --no-${bareFlag.slice(2)}`);
      }
      throw new UsageError(`Unexpected argument ${JSON.stringify(token)} for task ${iface.taskName}: inputs are given as --name value. ${inputList(iface)}`);
    }
    bareFlag = undefined;
    const body = token.slice(2);
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    let input = names.get(name);
    let negated = false;
    if (!input && name.startsWith("no-")) {
      const positive = names.get(name.slice(3));
      if (positive && acceptsBareFlag(positive.schema)) [input, negated] = [positive, true];
    }
    if (!input) throw unknownFlag(iface, name, names);
    const flag = `--${name}`;
    if (values.has(input.name)) {
      throw new UsageError(`--${input.name} is given more than once; give each input once, e.g. ${exampleFlag(input)}`);
    }
    let text: string;
    if (negated) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value; write ${flag} alone, or --${input.name}=${inline}`);
      text = "false";
    } else if (inline !== undefined) {
      text = inline;
    } else if (acceptsBareFlag(input.schema)) {
      const next = argv[i + 1];
      // A bare boolean flag only takes the next word when it is a boolean; otherwise it means true.
      const takesNext = next !== undefined && (input.schema.type === "boolean" ? next === "true" || next === "false" : !next.startsWith("--"));
      text = takesNext ? next : "true";
      if (takesNext) i++;
      else bareFlag = flag;
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && isKnownFlag(next, names))) {
        throw new UsageError(`${flag} needs a value: it takes ${input.typeText}, e.g. ${exampleFlag(input)}`);
      }
      text = next;
      i++;
    }
    values.set(input.name, { flag, text });
  }
  return values;
}

function isKnownFlag(token: string, names: ReadonlyMap<string, InputSpec>): boolean {
  const name = token.slice(2).split("=")[0] ?? "";
  return names.has(name) || (name.startsWith("no-") && names.has(name.slice(3)));
}

function unknownFlag(iface: TaskInterface, name: string, names: ReadonlyMap<string, InputSpec>): UsageError {
  const closest = [...names.keys()]
    .map((candidate) => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = closest && closest.distance <= Math.max(2, Math.floor(name.length / 3)) ? ` Did you mean --${closest.candidate}?` : "";
  return new UsageError(`Unknown input --${name} for task ${iface.taskName}.${hint} ${inputList(iface)}`);
}

export function inputList(iface: TaskInterface): string {
  if (iface.inputs.length === 0) return `Task ${iface.taskName} takes no inputs.`;
  return `Inputs of ${iface.taskName}: ${iface.inputs.map((input) => `--${input.name} <${input.typeText}>`).join(", ")}.`;
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
