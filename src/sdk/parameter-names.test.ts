import { describe, expect, it } from "vitest";
import { parameterNames } from "./parameter-names.js";

describe("parameterNames", () => {
  it("reads names from every function form", () => {
    expect(parameterNames(function f(a: number, b: string) { return [a, b]; })).toEqual(["a", "b"]);
    expect(parameterNames(async (x: number) => x)).toEqual(["x"]);
    expect(parameterNames(((y) => y) as (y: unknown) => unknown)).toEqual(["y"]);
    expect(parameterNames(() => 1)).toEqual([]);
    expect(parameterNames(async function g() {})).toEqual([]);
  });

  it("handles defaults, rest parameters and destructuring", () => {
    expect(parameterNames(function f(a = "(,)", b = [1, 2], ...rest: number[]) { return [a, b, rest]; })).toEqual(["a", "b", "rest"]);
    expect(parameterNames(function f({ x }: { x: number }, [y]: number[], z = (q: number) => q) { return [x, y, z]; })).toEqual(["arg0", "arg1", "z"]);
    expect(parameterNames(function f(a: number, b = a >= 1 ? 2 : 3) { return b; })).toEqual(["a", "b"]);
  });
});
