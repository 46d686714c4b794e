// Process entry of the `flyte` command (bin/flyte.js imports it): runs main() with the process's arguments.
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2));
