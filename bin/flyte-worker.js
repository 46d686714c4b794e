#!/usr/bin/env node
// A worker process of the engine's process executor (forked by it; not a command for users).
import { launch } from "./launch.js";

await launch("src/worker/main.ts", "dist/worker/main.js");
