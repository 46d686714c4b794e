/**
 * Data passed between tasks by reference: files, directories and tables live in the run's blob store (a local
 * folder by default, S3-compatible when configured); tasks exchange their URIs, never their bytes.
 *
 * @example
 * import { File, DataFrame } from "flyte/io";
 * export const clean = env.task(async function clean(raw: File): Promise<DataFrame> {
 *   const rows = parse(await raw.readText());
 *   return DataFrame.fromRows(rows);
 * });
 *
 * @module
 */
export { File, type FileRef } from "./io/file.js";
export { Dir, type DirRef } from "./io/dir.js";
export { DataFrame } from "./io/dataframe.js";
