// Reading flags from argv: spellings, booleans, and the errors for unknown, repeated and valueless flags.
import { describe, expect, it } from "vitest";
import { editDistance, readFlagValues } from "./flag-values.js";
import { input, taskInterface } from "../../../test/fixtures/interface/hand-written.js";
import { UsageError } from "./usage-error.js";

const iface = taskInterface([
  input("xs", { type: "array", items: { type: "number" } }, "number[]"),
  input("maxItems", { type: "number" }, "number", { optional: true }),
  input("verbose", { type: "boolean" }, "boolean", { optional: true }),
  input("mode", { anyOf: [{ type: "string", enum: ["auto"] }, { type: "boolean" }] }, '"auto" | boolean', { optional: true }),
]);
const read = (...argv: string[]): Record<string, string> =>
  Object.fromEntries([...readFlagValues(iface, argv)].map(([name, value]) => [name, value.text]));
const failure = (...argv: string[]): UsageError => {
  try {
    readFlagValues(iface, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error("expected a UsageError");
};

describe("readFlagValues", () => {
  it("reads --name value and --name=value, and camelCase inputs as kebab-case too", () => {
    expect(read("--xs", "[1]", "--maxItems=3")).toEqual({ xs: "[1]", maxItems: "3" });
    expect(read("--max-items", "-4", "--xs=[2]")).toEqual({ xs: "[2]", maxItems: "-4" });
    expect(read("--xs=a=b")).toEqual({ xs: "a=b" });
  });

  it("reads booleans as --flag, --flag true|false, --flag=false and --no-flag", () => {
    expect(read("--verbose")).toEqual({ verbose: "true" });
    expect(read("--verbose", "--xs", "[]")).toEqual({ verbose: "true", xs: "[]" });
    expect(read("--verbose", "false")).toEqual({ verbose: "false" });
    expect(read("--verbose=false")).toEqual({ verbose: "false" });
    expect(read("--no-verbose")).toEqual({ verbose: "false" });
    expect(read("--mode", "auto")).toEqual({ mode: "auto" });
    expect(read("--mode")).toEqual({ mode: "true" });
  });

  it("rejects an unknown flag with the closest name and the list of inputs", () => {
    const error = failure("--xz", "[1]");
    expect(error.message).toContain("Unknown input --xz for task main. Did you mean --xs?");
    expect(error.message).toContain("Inputs of main: --xs <number[]>, --maxItems <number>, --verbose <boolean>");
    expect(failure("--max-itmes", "3").message).toContain("Did you mean --max-items?");
    expect(failure("--completely-different", "1").message).not.toContain("Did you mean");
    expect(failure("--no-xs").message).toContain("Unknown input --no-xs");
  });

  it("rejects a repeated flag, also under its other spelling", () => {
    expect(failure("--xs", "[1]", "--xs", "[2]").message).toBe("--xs is given more than once; give each input once, e.g. --xs '[1,2,3]'");
    expect(failure("--maxItems", "1", "--max-items", "2").message).toContain("--maxItems is given more than once");
  });

  it("rejects a flag without its value, a positional argument and --no-flag=value", () => {
    expect(failure("--xs").message).toBe("--xs needs a value: it takes number[], e.g. --xs '[1,2,3]'");
    expect(failure("--xs", "--verbose").message).toContain("--xs needs a value");
    expect(failure("[1,2]").message).toContain('Unexpected argument "[1,2]" for task main: inputs are given as --name value.');
    expect(failure("--no-verbose=1").message).toContain("--no-verbose takes no value");
  });

  it("measures edit distance", () => {
    expect(editDistance("xs", "xs")).toBe(0);
    expect(editDistance("xz", "xs")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });
});
