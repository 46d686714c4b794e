import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: [
      { find: /^flyte\/io$/, replacement: fileURLToPath(new URL("./src/io.ts", import.meta.url)) },
      { find: /^flyte\/remote$/, replacement: fileURLToPath(new URL("./src/remote.ts", import.meta.url)) },
      { find: /^flyte$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    // Two files at a time: most of a test's time is spent waiting on the processes and servers it starts.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
