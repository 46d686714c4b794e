import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../errors/index.js";
import { Image } from "./image.js";

function expectInvalid(call: () => unknown, ...fragments: string[]): void {
  expect(call).toThrow(InvalidOptionError);
  for (const f of fragments) expect(call).toThrow(f);
}

const chain = () =>
  Image.fromDebianBase()
    .withAptPackages("git", "curl")
    .withNpmPackages("lodash@4", "@scope/pkg@^1")
    .withEnv({ A: "1", B: "2" })
    .withSourceFiles("package.json", "src/main.ts")
    .withSourceDir("./lib")
    .withCommands("npm run build");

describe("Image bases", () => {
  it("fromDebianBase defaults to Node 20", () => {
    expect(Image.fromDebianBase().base).toEqual({ kind: "debian", nodeVersion: "20" });
    expect(Image.fromDebianBase({ nodeVersion: "22.3.1" }).base).toEqual({ kind: "debian", nodeVersion: "22.3.1" });
  });

  it.each(["node:20-slim", "ghcr.io/acme/base:1.2", "localhost:5000/my/img", "ubuntu", `busybox@sha256:${"a".repeat(64)}`])(
    "fromRef accepts %s",
    (ref) => {
      expect(Image.fromRef(ref).base).toEqual({ kind: "ref", ref });
    },
  );

  it("fromDockerfile defaults the context to the Dockerfile's folder", () => {
    expect(Image.fromDockerfile("docker/Dockerfile").base).toEqual({
      kind: "dockerfile",
      path: "docker/Dockerfile",
      context: "docker",
    });
    expect(Image.fromDockerfile("Dockerfile", { context: "." }).base).toMatchObject({ context: "." });
  });

  it("Image.from accepts a ref string or an Image", () => {
    const img = Image.fromDebianBase();
    expect(Image.from(img, "f")).toBe(img);
    expect(Image.from("node:20", "f").base).toEqual({ kind: "ref", ref: "node:20" });
  });

  it.each<[() => unknown, ...string[]]>([
    [() => Image.fromDebianBase({ nodeVersion: "latest" }), 'option "nodeVersion": got "latest"'],
    [() => Image.fromDebianBase({ node: "20" } as never), 'unknown option "node"'],
    [() => Image.fromRef(""), 'Image.fromRef: argument "ref": got ""'],
    [() => Image.fromRef("Has Upper/Space"), 'got "Has Upper/Space"', "image reference"],
    [() => Image.fromRef("img:"), 'got "img:"'],
    [() => Image.fromDockerfile(""), 'Image.fromDockerfile: argument "path": got ""'],
    [() => Image.fromDockerfile("Dockerfile", { context: "" }), 'option "context": got ""'],
    [() => Image.fromDockerfile("Dockerfile", { contxt: "." } as never), 'unknown option "contxt"', 'Did you mean "context"?'],
    [() => Image.from(42 as never, 'TaskEnvironment "etl": option "image"'), 'TaskEnvironment "etl": option "image": got 42'],
    [() => Image.from("BAD REF", 'TaskEnvironment "etl": option "image"'), 'option "image": got "BAD REF"'],
  ])("rejects bad base arguments (%#)", (call, ...fragments) => {
    expectInvalid(call, ...fragments);
  });
});

describe("Image layers", () => {
  it("records layers in order as plain data", () => {
    expect(chain().layers).toEqual([
      { kind: "apt", packages: ["git", "curl"] },
      { kind: "npm", packages: ["lodash@4", "@scope/pkg@^1"] },
      { kind: "env", vars: { A: "1", B: "2" } },
      { kind: "sourceFiles", paths: ["package.json", "src/main.ts"] },
      { kind: "sourceDir", path: "./lib" },
      { kind: "commands", commands: ["npm run build"] },
    ]);
  });

  it("is immutable: chaining returns a new Image", () => {
    const base = Image.fromDebianBase();
    const next = base.withAptPackages("git");
    expect(next).not.toBe(base);
    expect(base.layers).toEqual([]);
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next.layers)).toBe(true);
    expect(Object.isFrozen(next.layers[0])).toBe(true);
  });

  it("does not alias the caller's env object", () => {
    const vars = { A: "1" };
    const img = Image.fromDebianBase().withEnv(vars);
    vars.A = "2";
    expect(img.layers[0]).toEqual({ kind: "env", vars: { A: "1" } });
  });

  it.each(["lodash", "lodash@4", "@scope/pkg@^1", "left-pad@1.3.0", "pkg@latest", "@a/b", "x@npm:y@1"])(
    "accepts npm spec %s",
    (spec) => {
      expect(Image.fromDebianBase().withNpmPackages(spec).layers[0]).toEqual({ kind: "npm", packages: [spec] });
    },
  );

  it.each<[() => unknown, ...string[]]>([
    [() => Image.fromDebianBase().withNpmPackages(), "Image.withNpmPackages: arguments: got []", "at least one"],
    [() => Image.fromDebianBase().withNpmPackages("Lodash@4"), "Image.withNpmPackages: argument 1: got \"Lodash@4\""],
    [() => Image.fromDebianBase().withNpmPackages("ok", "has space"), 'argument 2: got "has space"'],
    [() => Image.fromDebianBase().withNpmPackages("@scope"), 'got "@scope"'],
    [() => Image.fromDebianBase().withNpmPackages("lodash@"), 'got "lodash@"'],
    [() => Image.fromDebianBase().withAptPackages("Git"), 'Image.withAptPackages: argument 1: got "Git"'],
    [() => Image.fromDebianBase().withAptPackages("-x"), 'got "-x"'],
    [() => Image.fromDebianBase().withAptPackages(), "at least one"],
    [() => Image.fromDebianBase().withEnv({}), 'Image.withEnv: argument "vars": got {}'],
    [() => Image.fromDebianBase().withEnv({ "1A": "x" }), 'variable name "1A": got "1A"'],
    [() => Image.fromDebianBase().withEnv({ A: 1 } as never), 'Image.withEnv: variable "A": got 1'],
    [() => Image.fromDebianBase().withEnv("A=1" as never), 'argument "vars": got "A=1"'],
    [() => Image.fromDebianBase().withSourceFiles(""), 'Image.withSourceFiles: argument 1: got ""'],
    [() => Image.fromDebianBase().withSourceDir("  "), 'Image.withSourceDir: argument "path": got "  "'],
    [() => Image.fromDebianBase().withCommands("ok", ""), 'Image.withCommands: argument 2: got ""'],
    [() => Image.fromDebianBase().withCommands(3 as never), "argument 1: got 3"],
  ])("rejects bad layer arguments (%#)", (call, ...fragments) => {
    expectInvalid(call, ...fragments);
  });
});

describe("Image.identifier", () => {
  it("is a 16-char hex hash, identical for identical chains", () => {
    expect(chain().identifier).toMatch(/^[0-9a-f]{16}$/);
    expect(chain().identifier).toBe(chain().identifier);
    expect(Image.fromRef("node:20").identifier).toBe(Image.from("node:20", "f").identifier);
  });

  it("ignores the key order of withEnv", () => {
    const a = Image.fromDebianBase().withEnv({ A: "1", B: "2" });
    const b = Image.fromDebianBase().withEnv({ B: "2", A: "1" });
    expect(a.identifier).toBe(b.identifier);
  });

  it("changes with the base and with every layer", () => {
    const base = Image.fromDebianBase();
    const variants = [
      base,
      Image.fromDebianBase({ nodeVersion: "22" }),
      Image.fromRef("node:20"),
      Image.fromDockerfile("Dockerfile"),
      Image.fromDockerfile("Dockerfile", { context: "other" }),
      base.withNpmPackages("lodash@4"),
      base.withNpmPackages("lodash@3"),
      base.withAptPackages("git"),
      base.withNpmPackages("lodash"),
      base.withAptPackages("lodash"),
      base.withEnv({ A: "1" }),
      base.withEnv({ A: "2" }),
      base.withSourceFiles("a.ts"),
      base.withSourceDir("a.ts"),
      base.withCommands("a.ts"),
      base.withAptPackages("git").withAptPackages("curl"),
      base.withAptPackages("curl").withAptPackages("git"),
      base.withAptPackages("git", "curl"),
    ];
    const ids = new Set(variants.map((img) => img.identifier));
    expect(ids.size).toBe(variants.length);
  });

  it("serialises to plain data", () => {
    const img = chain();
    expect(JSON.parse(JSON.stringify(img))).toEqual({
      base: img.base,
      layers: img.layers,
      identifier: img.identifier,
    });
  });
});
