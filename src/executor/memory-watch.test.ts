import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { readRss, watchMemory } from "./memory-watch.js";

const MiB = 2 ** 20;

const children: ChildProcess[] = [];
const stops: (() => void)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
    }),
  );
});

/** A node child that holds `mib` MiB of written (so resident) memory, then idles; resolves once it holds it. */
async function childHolding(mib: number): Promise<ChildProcess & { pid: number }> {
  const script = `
    const held = [];
    for (let i = 0; i < ${mib}; i++) held.push(Buffer.alloc(${MiB}, i % 251 + 1));
    process.stdout.write("ready\\n");
    setInterval(() => held.length, 1000);
  `;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  expect(chunk.toString()).toBe("ready\n");
  return child as ChildProcess & { pid: number };
}

const watch = (...args: Parameters<typeof watchMemory>): (() => void) => {
  const stop = watchMemory(...args);
  stops.push(stop);
  return stop;
};

describe.runIf(process.platform === "linux")("watchMemory (Linux)", () => {
  it("reports once, with the RSS, when a process goes over the limit", async () => {
    const child = await childHolding(200);
    const limit = 100 * MiB;
    const exceeded: number[] = [];
    const samples: number[] = [];
    await new Promise<void>((resolve) => {
      watch(
        child.pid,
        limit,
        (rss) => {
          exceeded.push(rss);
          resolve();
        },
        { intervalMs: 20, onSample: (rss) => samples.push(rss) },
      );
    });
    expect(exceeded).toHaveLength(1);
    expect(exceeded[0]).toBeGreaterThan(limit);
    expect(exceeded[0]).toBeGreaterThan(200 * MiB);
    // The watch stopped itself: wait for more samples of a second watch, then check the first took no more.
    const more: number[] = [];
    await new Promise<void>((resolve) => {
      watch(child.pid, 2 ** 40, () => {}, {
        intervalMs: 20,
        onSample: (rss) => {
          if (more.push(rss) === 5) resolve();
        },
      });
    });
    expect(exceeded).toHaveLength(1);
    expect(samples).toHaveLength(1);
  });

  it("never reports a process that stays under the limit", async () => {
    const child = await childHolding(10);
    const limit = 1024 * MiB;
    const exceeded: number[] = [];
    const samples: number[] = [];
    await new Promise<void>((resolve) => {
      watch(child.pid, limit, (rss) => exceeded.push(rss), {
        intervalMs: 20,
        onSample: (rss) => {
          if (samples.push(rss) === 10) resolve();
        },
      });
    });
    expect(exceeded).toEqual([]);
    for (const rss of samples) {
      expect(rss).toBeGreaterThan(10 * MiB);
      expect(rss).toBeLessThan(limit);
    }
  });

  it("stops when the returned function is called", async () => {
    const child = await childHolding(10);
    const samples: number[] = [];
    await new Promise<void>((resolve) => {
      const stop = watch(child.pid, 2 ** 40, () => {}, {
        intervalMs: 20,
        onSample: (rss) => {
          samples.push(rss);
          stop();
          resolve();
        },
      });
    });
    // A second watch's samples show time passed; the stopped one must not have sampled again.
    let more = 0;
    await new Promise<void>((resolve) => {
      watch(child.pid, 2 ** 40, () => {}, { intervalMs: 20, onSample: () => ++more === 5 && resolve() });
    });
    expect(samples).toHaveLength(1);
  });

  it("treats a process that has exited as gone, without an error", async () => {
    const child = await childHolding(1);
    child.kill("SIGKILL");
    await once(child, "exit"); // reaped: /proc/<pid> is gone
    expect(await readRss(child.pid)).toBeUndefined();
    expect(await readRss(process.pid)).toBeGreaterThan(0);
    const calls: string[] = [];
    watch(child.pid, 1, () => calls.push("exceed"), {
      intervalMs: 20,
      onSample: () => calls.push("sample"),
      onError: (e) => calls.push(`error ${e.message}`),
    });
    // Let a live watch sample a few times, long after the dead one's first (and only) read.
    let more = 0;
    await new Promise<void>((resolve) => {
      watch(process.pid, 2 ** 40, () => {}, { intervalMs: 20, onSample: () => ++more === 5 && resolve() });
    });
    expect(calls).toEqual([]);
  });
});

describe("watchMemory arguments", () => {
  it("rejects a bad pid, limit or interval, naming it", () => {
    expect(() => watchMemory(0, MiB, () => {})).toThrow(/pid must be a positive integer, got 0/);
    expect(() => watchMemory(process.pid, 0, () => {})).toThrow(/limitBytes must be > 0, got 0/);
    expect(() => watchMemory(process.pid, MiB, () => {}, { intervalMs: -5 })).toThrow(/intervalMs .* got -5/);
  });
});
