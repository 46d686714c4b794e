// The interface part of deploy: a TypeScript file's exported tasks with their inputs' and output's JSON
// Schema, read from the task functions' signatures. Other parts import from here only.
export { extractInterfaces } from "./extract.js";
export { interfacesById } from "./match.js";
export type { ExtractOptions } from "./extract.js";
export type { FileInterfaces, InputSpec, JsonSchema, TaskInterface } from "./types.js";
