// The shapes interface extraction produces: per task, each input's name, JSON Schema and optionality, and the
// output's schema. These are plain JSON so they can be cached on disk and sent to a server or the UI as is.

/** A JSON Schema (draft 2020-12) object. */
export type JsonSchema = Record<string, unknown>;

/** One parameter of a task function. */
export interface InputSpec {
  name: string;
  schema: JsonSchema;
  /** Declared with `?`, with a default, or with a type that includes `undefined`. */
  optional: boolean;
  /** Has an initializer (`x = 5`); the function's own default applies when the input is absent. */
  hasDefault: boolean;
  /** The default as a JSON value, only when the initializer is a literal. */
  default?: unknown;
  /** A rest parameter (`...xs: T[]`): its schema is the array; the values are spread into the call. */
  rest?: boolean;
  /** The TypeScript type as written by the checker, for `--help`. */
  typeText: string;
}

/** The interface of one exported task. */
export interface TaskInterface {
  exportName: string;
  /** The task's own name: `options.name` or the function's name. */
  taskName: string;
  inputs: InputSpec[];
  output: JsonSchema;
  outputTypeText: string;
  /** sha256 hex of the canonical JSON of `{ inputs: [{ name, schema, optional }], output }`. */
  interfaceHash: string;
}

/** The tasks of one TypeScript file; `key` is the content hash the result is cached under. */
export interface FileInterfaces {
  file: string;
  key: string;
  tasks: TaskInterface[];
}
