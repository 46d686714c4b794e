// The on-disk cache of extracted interfaces: `<cacheDir>/interfaces/<key>.json`. Written atomically (temp file
// + rename) so a concurrent reader sees either nothing or a whole entry; an unreadable entry counts as a miss.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FileInterfaces } from "./types.js";

export function cacheFilePath(cacheDir: string, key: string): string {
  return path.join(cacheDir, "interfaces", `${key}.json`);
}

export async function readCachedInterfaces(cacheDir: string, key: string): Promise<FileInterfaces | undefined> {
  let text: string;
  try {
    text = await readFile(cacheFilePath(cacheDir, key), "utf8");
  } catch {
    return undefined; // not cached yet
  }
  try {
    const value = JSON.parse(text) as FileInterfaces;
    return value.key === key && Array.isArray(value.tasks) ? value : undefined;
  } catch {
    return undefined; // a damaged entry is rebuilt and overwritten
  }
}

export async function writeCachedInterfaces(cacheDir: string, value: FileInterfaces): Promise<void> {
  const target = cacheFilePath(cacheDir, value.key);
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(value, null, 2));
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
