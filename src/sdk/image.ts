// Image: an immutable description of a task's container image (a base plus ordered layers), kept as
// plain data so it can be hashed, serialised and later rendered to a Dockerfile. The identifier is a
// content hash: identical builder chains give identical identifiers, any change gives a new one.
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { checkName, checkNonEmptyString, checkPlainObject, checkKnownKeys, invalidOption } from "./option-checks.js";

/** Where an image starts. */
export type ImageBase =
  | { readonly kind: "debian"; readonly nodeVersion: string }
  | { readonly kind: "ref"; readonly ref: string }
  | { readonly kind: "dockerfile"; readonly path: string; readonly context: string };

/** One build step on top of the base, in order. */
export type ImageLayer =
  | { readonly kind: "npm"; readonly packages: readonly string[] }
  | { readonly kind: "apt"; readonly packages: readonly string[] }
  | { readonly kind: "env"; readonly vars: Readonly<Record<string, string>> }
  | { readonly kind: "sourceFiles"; readonly paths: readonly string[] }
  | { readonly kind: "sourceDir"; readonly path: string }
  | { readonly kind: "commands"; readonly commands: readonly string[] };

const NODE_VERSION = /^\d+(?:\.\d+){0,2}$/;
// Docker reference: [registry[:port]/]path[:tag][@sha256:digest], repository path lower-case.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_REF = new RegExp(
  `^(?:[A-Za-z0-9.-]+(?::\\d+)?/)?${COMPONENT}(?:/${COMPONENT})*` +
    "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$",
);
const NPM_NAME = "[a-z0-9~-][a-z0-9._~-]*";
const NPM_SPEC = new RegExp(`^(?:@${NPM_NAME}/)?${NPM_NAME}(?:@\\S+)?$`);
const APT_NAME = /^[a-z0-9][a-z0-9+.-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A container image for a TaskEnvironment.
 * @example Image.fromDebianBase().withNpmPackages("lodash@4").withAptPackages("git").withEnv({ A: "1" })
 */
export class Image {
  readonly base: ImageBase;
  readonly layers: readonly ImageLayer[];
  /** sha256 (first 16 hex chars) of the base and layers. */
  readonly identifier: string;

  private constructor(base: ImageBase, layers: readonly ImageLayer[]) {
    this.base = Object.freeze(base);
    this.layers = Object.freeze([...layers]);
    this.identifier = createHash("sha256").update(canonicalJson({ base, layers })).digest("hex").slice(0, 16);
    Object.freeze(this);
  }

  /**
   * A Debian image with Node.js installed (default Node "20").
   * @example Image.fromDebianBase({ nodeVersion: "22" })
   */
  static fromDebianBase(options: { nodeVersion?: string | undefined } = {}): Image {
    checkPlainObject(options, "Image.fromDebianBase options");
    checkKnownKeys(options, ["nodeVersion"], "Image.fromDebianBase");
    const field = 'Image.fromDebianBase: option "nodeVersion"';
    const nodeVersion =
      options.nodeVersion === undefined
        ? "20"
        : checkName(options.nodeVersion, field, NODE_VERSION, 'a Node.js version like "20" or "20.11.1"');
    return new Image({ kind: "debian", nodeVersion }, []);
  }

  /**
   * An existing image by reference.
   * @example Image.fromRef("ghcr.io/acme/base:1.2")
   */
  static fromRef(ref: string): Image {
    return Image.from(ref, 'Image.fromRef: argument "ref"');
  }

  /**
   * An image built from a Dockerfile; the build context defaults to the Dockerfile's folder.
   * @example Image.fromDockerfile("./docker/Dockerfile", { context: "." })
   */
  static fromDockerfile(path: string, options: { context?: string | undefined } = {}): Image {
    checkPath(path, 'Image.fromDockerfile: argument "path"');
    checkPlainObject(options, "Image.fromDockerfile options");
    checkKnownKeys(options, ["context"], "Image.fromDockerfile");
    const context =
      options.context === undefined
        ? dirname(path)
        : checkPath(options.context, 'Image.fromDockerfile: option "context"');
    return new Image({ kind: "dockerfile", path, context }, []);
  }

  /**
   * Normalises an `image` option: a string is an image reference, an Image is kept as is.
   * @example Image.from("python:3.12-slim", 'TaskEnvironment "etl": option "image"')
   */
  static from(value: string | Image, field: string): Image {
    if (value instanceof Image) return value;
    if (typeof value !== "string") throw invalidOption(field, value, "an image reference string or an Image");
    checkName(value, field, IMAGE_REF, 'an image reference like "node:20-slim" or "ghcr.io/org/image:tag"');
    return new Image({ kind: "ref", ref: value }, []);
  }

  /** Adds npm packages, e.g. "lodash@4" or "@scope/pkg@^1". */
  withNpmPackages(...specs: string[]): Image {
    const packages = checkList(specs, "Image.withNpmPackages", (v, f) =>
      checkName(v, f, NPM_SPEC, 'an npm package spec like "lodash", "lodash@4" or "@scope/pkg@^1"'),
    );
    return this.#add({ kind: "npm", packages });
  }

  /** Adds Debian (apt) packages by name, e.g. "git". */
  withAptPackages(...names: string[]): Image {
    const packages = checkList(names, "Image.withAptPackages", (v, f) =>
      checkName(v, f, APT_NAME, 'an apt package name: lower-case letters, digits, "+", ".", "-"'),
    );
    return this.#add({ kind: "apt", packages });
  }

  /** Sets environment variables in the image. */
  withEnv(vars: Record<string, string>): Image {
    checkPlainObject(vars, 'Image.withEnv: argument "vars"');
    const entries = Object.entries(vars);
    if (entries.length === 0) throw invalidOption('Image.withEnv: argument "vars"', vars, "at least one variable");
    const copy: Record<string, string> = {};
    for (const [name, value] of entries) {
      const field = `Image.withEnv: variable name ${JSON.stringify(name)}`;
      checkName(name, field, ENV_NAME, 'letters, digits and "_", not starting with a digit');
      if (typeof value !== "string") throw invalidOption(`Image.withEnv: variable "${name}"`, value, "a string value");
      copy[name] = value;
    }
    return this.#add({ kind: "env", vars: Object.freeze(copy) });
  }

  /** Copies individual source files into the image. */
  withSourceFiles(...paths: string[]): Image {
    return this.#add({ kind: "sourceFiles", paths: checkList(paths, "Image.withSourceFiles", checkPath) });
  }

  /** Copies a source folder into the image. */
  withSourceDir(path: string): Image {
    return this.#add({ kind: "sourceDir", path: checkPath(path, 'Image.withSourceDir: argument "path"') });
  }

  /** Runs shell commands during the build. */
  withCommands(...cmds: string[]): Image {
    return this.#add({ kind: "commands", commands: checkList(cmds, "Image.withCommands", checkNonEmptyString) });
  }

  /** A plain-data form for serialised environment specs. */
  toJSON(): { base: ImageBase; layers: readonly ImageLayer[]; identifier: string } {
    return { base: this.base, layers: this.layers, identifier: this.identifier };
  }

  #add(layer: ImageLayer): Image {
    return new Image(this.base, [...this.layers, Object.freeze(layer)]);
  }
}

function checkList(values: unknown[], owner: string, check: (v: unknown, field: string) => string): readonly string[] {
  if (values.length === 0) throw invalidOption(`${owner}: arguments`, values, "at least one argument");
  return Object.freeze(values.map((v, i) => check(v, `${owner}: argument ${i + 1}`)));
}

function checkPath(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "" || value.includes("\0")) {
    throw invalidOption(field, value, "a non-empty path");
  }
  return value;
}

/** JSON with sorted object keys, so `withEnv({ A, B })` and `withEnv({ B, A })` hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}
