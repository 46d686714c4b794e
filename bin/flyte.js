#!/usr/bin/env node
// The `flyte` command.
import { launch } from "./launch.js";

await launch("src/cli/entry.ts", "dist/cli/entry.js");
