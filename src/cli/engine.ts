// The local engine a CLI command works on: the one the config in effect for the working directory describes
// (state folder, blob store, inline limit), with that config applied to the process.
import type { LocalEngine } from "../engine/index.js";
import { applyConfig, loadConfig, localEngine, type FlyteConfig } from "../sdk/index.js";
import type { Io } from "./io.js";

export function commandConfig(io: Io): FlyteConfig {
  const config = loadConfig(io.cwd);
  applyConfig(config);
  return config;
}

export function commandEngine(io: Io): LocalEngine {
  return localEngine(commandConfig(io).localDir);
}
