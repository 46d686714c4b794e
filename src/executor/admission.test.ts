import { describe, expect, it } from "vitest";
import { errorCode } from "../errors/index.js";
import { type AdmissionLease, ResourceAdmission, formatMemory, hostCapacity } from "./admission.js";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Resolves after every already-queued promise callback has run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Tracks which acquire promises have resolved, in order. */
function tracked(admission: ResourceAdmission) {
  const granted: string[] = [];
  const leases = new Map<string, AdmissionLease>();
  const acquire = (name: string, cpu: number, memoryBytes = 0, options?: Parameters<ResourceAdmission["acquire"]>[1]) =>
    admission.acquire({ cpu, memoryBytes }, options).then((lease) => {
      granted.push(name);
      leases.set(name, lease);
      return lease;
    });
  const release = (name: string) => leases.get(name)!.release();
  return { granted, acquire, release };
}

describe("ResourceAdmission", () => {
  it("grants at once while the requests fit, and reports what is in use", async () => {
    const admission = new ResourceAdmission({ cpu: 4, memoryBytes: 8 * GiB });
    const a = await admission.acquire({ cpu: 1.5, memoryBytes: 3 * GiB });
    const b = await admission.acquire({ cpu: 2.5, memoryBytes: 5 * GiB });
    expect(admission.inUse).toEqual({ cpu: 4, memoryBytes: 8 * GiB });
    expect(admission.waiting).toBe(0);
    a.release();
    b.release();
    expect(admission.inUse).toEqual({ cpu: 0, memoryBytes: 0 });
  });

  it("adds fractional cores exactly: 0.1 + 0.2 cores fit a capacity of 0.3", async () => {
    const admission = new ResourceAdmission({ cpu: 0.3, memoryBytes: GiB });
    let waited = false;
    const onWait = () => (waited = true);
    const a = await admission.acquire({ cpu: 0.1, memoryBytes: 0 }, { onWait });
    const b = await admission.acquire({ cpu: 0.2, memoryBytes: 0 }, { onWait });
    expect(waited).toBe(false);
    a.release();
    b.release();
    expect(admission.inUse.cpu).toBe(0);
  });

  it("waits on either dimension: memory full blocks even with cpu to spare", async () => {
    const admission = new ResourceAdmission({ cpu: 8, memoryBytes: 1 * GiB });
    const { granted, acquire, release } = tracked(admission);
    await acquire("a", 1, 768 * MiB);
    const b = acquire("b", 1, 512 * MiB);
    await settle();
    expect(granted).toEqual(["a"]);
    release("a");
    await b;
    expect(granted).toEqual(["a", "b"]);
  });

  it("admits waiters in FIFO order: a large request at the head holds back smaller ones behind it", async () => {
    const admission = new ResourceAdmission({ cpu: 4, memoryBytes: GiB });
    const { granted, acquire, release } = tracked(admission);
    await acquire("first", 3);
    const big = acquire("big", 4);
    const small = acquire("small", 1); // would fit now, but must not overtake "big"
    await settle();
    expect(granted).toEqual(["first"]);
    expect(admission.waiting).toBe(2);
    release("first");
    await big;
    await settle();
    expect(granted).toEqual(["first", "big"]);
    release("big");
    await small;
    expect(granted).toEqual(["first", "big", "small"]);
    expect(admission.waiting).toBe(0);
  });

  it("admits several waiters at once when one release frees room for all of them", async () => {
    const admission = new ResourceAdmission({ cpu: 4, memoryBytes: GiB });
    const { granted, acquire, release } = tracked(admission);
    await acquire("all", 4);
    const rest = [acquire("w1", 1), acquire("w2", 1), acquire("w3", 2), acquire("w4", 1)];
    release("all");
    await Promise.all(rest.slice(0, 3));
    await settle();
    expect(granted).toEqual(["all", "w1", "w2", "w3"]);
    expect(admission.waiting).toBe(1);
  });

  it("calls onWait once, synchronously, only when the request has to wait", async () => {
    const admission = new ResourceAdmission({ cpu: 2, memoryBytes: GiB });
    let waits = 0;
    const onWait = () => waits++;
    const first = await admission.acquire({ cpu: 2, memoryBytes: 0 }, { onWait });
    expect(waits).toBe(0);
    const second = admission.acquire({ cpu: 1, memoryBytes: 0 }, { onWait });
    expect(waits).toBe(1); // before acquire returned
    first.release();
    (await second).release();
    expect(waits).toBe(1);
    // A request behind a queued one waits even if it would fit, and says so.
    const hold = await admission.acquire({ cpu: 1, memoryBytes: 0 });
    const head = admission.acquire({ cpu: 2, memoryBytes: 0 }, { onWait });
    const behind = admission.acquire({ cpu: 1, memoryBytes: 0 }, { onWait });
    expect(waits).toBe(3);
    hold.release();
    (await head).release();
    (await behind).release();
  });

  it("grants a zero request at once, even with a queue, without calling onWait", async () => {
    const admission = new ResourceAdmission({ cpu: 1, memoryBytes: GiB });
    const hold = await admission.acquire({ cpu: 1, memoryBytes: 0 });
    const queued = admission.acquire({ cpu: 1, memoryBytes: 0 });
    let waited = false;
    let zero: AdmissionLease | undefined;
    void admission.acquire({ cpu: 0, memoryBytes: 0 }, { onWait: () => (waited = true) }).then((l) => (zero = l));
    await settle();
    expect(zero).toBeDefined();
    expect(waited).toBe(false);
    expect(admission.waiting).toBe(1);
    zero!.release();
    expect(admission.inUse).toEqual({ cpu: 1, memoryBytes: 0 });
    hold.release();
    (await queued).release();
  });

  it("rejects at once a request larger than the capacity, naming the resource, the amounts and the fix", async () => {
    const admission = new ResourceAdmission({ cpu: 4, memoryBytes: 2 * GiB });
    let waited = false;
    const cpu = admission.acquire({ cpu: 8, memoryBytes: 0 }, { onWait: () => (waited = true) });
    await expect(cpu).rejects.toThrow(/8 cpu cores of cpu but this host's capacity is 4 cpu cores/);
    await expect(cpu).rejects.toThrow(/flyte\.Resources.*`--cpu`/);
    expect(errorCode(await cpu.catch((e: unknown) => e))).toBe("INVALID_INPUT");
    const memory = admission.acquire({ cpu: 1, memoryBytes: 3 * GiB });
    await expect(memory).rejects.toThrow(/3 GiB of memory but this host's capacity is 2 GiB.*`--memory` option\./);
    await expect(memory).rejects.not.toThrow(/--cpu/);
    expect(waited).toBe(false);
    expect(admission.waiting).toBe(0);
    expect(admission.inUse).toEqual({ cpu: 0, memoryBytes: 0 });
  });

  it("rejects negative or non-numeric requests instead of corrupting the accounting", async () => {
    const admission = new ResourceAdmission({ cpu: 4, memoryBytes: GiB });
    await expect(admission.acquire({ cpu: -1, memoryBytes: 0 })).rejects.toThrow(/cpu must be a finite number ≥ 0, got -1/);
    await expect(admission.acquire({ cpu: 1, memoryBytes: Number.NaN })).rejects.toThrow(/memoryBytes/);
    expect(() => new ResourceAdmission({ cpu: Number.POSITIVE_INFINITY, memoryBytes: GiB })).toThrow(/capacity: cpu/);
  });

  it("an abort removes the waiter, rejects with the signal's reason, and lets later waiters in", async () => {
    const admission = new ResourceAdmission({ cpu: 4, memoryBytes: GiB });
    const { granted, acquire, release } = tracked(admission);
    await acquire("hold", 2);
    const controller = new AbortController();
    const big = acquire("big", 4, 0, { signal: controller.signal });
    const small = acquire("small", 2);
    await settle();
    expect(admission.waiting).toBe(2);
    const reason = new Error("run aborted");
    controller.abort(reason);
    await expect(big).rejects.toBe(reason);
    await settle();
    // "big" was holding "small" back; removing "big" admits it without any release.
    expect(granted).toEqual(["hold", "small"]);
    await small;
    expect(admission.waiting).toBe(0);
    expect(admission.inUse.cpu).toBe(4);
    release("hold");
    release("small");
    expect(admission.inUse).toEqual({ cpu: 0, memoryBytes: 0 });
  });

  it("an abort after the grant does nothing; an already-aborted signal is rejected without granting", async () => {
    const admission = new ResourceAdmission({ cpu: 1, memoryBytes: GiB });
    const controller = new AbortController();
    const lease = await admission.acquire({ cpu: 1, memoryBytes: 0 }, { signal: controller.signal });
    controller.abort(new Error("late"));
    expect(admission.inUse.cpu).toBe(1);
    lease.release();
    await expect(admission.acquire({ cpu: 1, memoryBytes: 0 }, { signal: controller.signal })).rejects.toThrow("late");
    expect(admission.inUse.cpu).toBe(0);
  });

  it("aborting a waiter after it was granted from the queue leaves the queue intact", async () => {
    const admission = new ResourceAdmission({ cpu: 1, memoryBytes: GiB });
    const { granted, acquire, release } = tracked(admission);
    await acquire("hold", 1);
    const controller = new AbortController();
    const first = acquire("first", 1, 0, { signal: controller.signal });
    void acquire("second", 1);
    void acquire("third", 1);
    release("hold");
    await first;
    controller.abort(new Error("too late to matter"));
    expect(admission.waiting).toBe(2);
    release("first");
    await settle();
    expect(granted).toEqual(["hold", "first", "second"]);
    release("second");
    await settle();
    expect(granted).toEqual(["hold", "first", "second", "third"]);
    release("third");
    expect(admission.inUse.cpu).toBe(0);
  });

  it("a throwing onWait leaves nothing queued", async () => {
    const admission = new ResourceAdmission({ cpu: 1, memoryBytes: GiB });
    const hold = await admission.acquire({ cpu: 1, memoryBytes: 0 });
    const failing = admission.acquire({ cpu: 1, memoryBytes: 0 }, {
      onWait: () => {
        throw new Error("recording the phase failed");
      },
    });
    await expect(failing).rejects.toThrow("recording the phase failed");
    expect(admission.waiting).toBe(0);
    hold.release();
    expect(admission.inUse.cpu).toBe(0);
  });

  it("release is idempotent: a second call does not free resources held by others", async () => {
    const admission = new ResourceAdmission({ cpu: 2, memoryBytes: GiB });
    const a = await admission.acquire({ cpu: 1, memoryBytes: 100 * MiB });
    const b = await admission.acquire({ cpu: 1, memoryBytes: 100 * MiB });
    a.release();
    a.release();
    expect(admission.inUse).toEqual({ cpu: 1, memoryBytes: 100 * MiB });
    let waited = false;
    const c = await admission.acquire({ cpu: 1, memoryBytes: 0 });
    const d = admission.acquire({ cpu: 1, memoryBytes: 0 }, { onWait: () => (waited = true) });
    expect(waited).toBe(true);
    b.release();
    c.release();
    (await d).release();
    expect(admission.inUse).toEqual({ cpu: 0, memoryBytes: 0 });
  });

  it("never exceeds the capacity under random acquires and releases, and admits everyone in the end", async () => {
    // A seeded generator, so a failure replays the same way.
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const capacity = { cpu: 3.7, memoryBytes: 10 * GiB };
    const admission = new ResourceAdmission(capacity);
    const held: AdmissionLease[] = [];
    const pending: Promise<unknown>[] = [];
    const order: number[] = [];
    let requested = 0;
    const check = () => {
      const { cpu, memoryBytes } = admission.inUse;
      expect(cpu).toBeLessThanOrEqual(capacity.cpu);
      expect(memoryBytes).toBeLessThanOrEqual(capacity.memoryBytes);
      expect(cpu).toBeGreaterThanOrEqual(0);
    };
    for (let step = 0; step < 2000; step++) {
      if (random() < 0.55) {
        const id = requested++;
        const request = { cpu: Math.round(random() * 3.7 * 10) / 10, memoryBytes: Math.floor(random() * 10 * GiB) };
        const zero = request.cpu === 0 && request.memoryBytes === 0;
        pending.push(
          admission.acquire(request).then((lease) => {
            check();
            if (!zero) order.push(id);
            held.push(lease);
          }),
        );
        check();
      } else if (held.length > 0) {
        held.splice(Math.floor(random() * held.length), 1)[0]!.release();
        check();
      }
      if (step % 7 === 0) await settle();
    }
    while (held.length > 0 || admission.waiting > 0) {
      held.shift()?.release();
      check();
      await settle();
    }
    await Promise.all(pending);
    expect(order.length).toBeGreaterThan(0);
    expect(order).toEqual([...order].sort((a, b) => a - b)); // granted in the order asked
    expect(admission.inUse).toEqual({ cpu: 0, memoryBytes: 0 });
  });

  it("hostCapacity reports this machine's cores and memory", () => {
    const { cpu, memoryBytes } = hostCapacity();
    expect(Number.isInteger(cpu) && cpu >= 1).toBe(true);
    expect(memoryBytes).toBeGreaterThan(0);
  });

  it("formats memory in binary units", () => {
    expect(formatMemory(512 * MiB)).toBe("512 MiB");
    expect(formatMemory(1.5 * GiB)).toBe("1.5 GiB");
    expect(formatMemory(100)).toBe("100 bytes");
  });
});
