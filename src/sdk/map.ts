// flyte.map: run a task over many items with bounded concurrency. Results keep the items' order;
// `returnExceptions` turns a failed item into its error instead of failing the whole map; `map.stream`
// yields results as they complete. Items not yet started are never started once the map has failed.
import { InvalidInputError, InvalidOptionError } from "../errors/index.js";
import { group } from "./group.js";
import { checkKnownKeys } from "./option-checks.js";
import { taskTemplateOf, type Task } from "./task.js";

export interface MapOptions<T = unknown, A extends unknown[] = unknown[]> {
  /** At most this many items in flight (default: all at once). */
  concurrency?: number;
  /** A failed item yields its Error in the results instead of rejecting the map. */
  returnExceptions?: boolean;
  /** Record the map's actions in this group. */
  groupName?: string;
  /** Builds the task's arguments from an item (default: the item is the only argument). */
  args?: (item: T, index: number) => A;
}

/** The options other than `args` (whose type depends on the task). */
type MapCallOptions = Omit<MapOptions, "args">;

const MAP_OPTION_KEYS = ["concurrency", "returnExceptions", "groupName", "args"] as const;

interface MapSpec {
  readonly task: Task;
  readonly items: readonly unknown[];
  readonly concurrency: number;
  readonly returnExceptions: boolean;
  readonly groupName: string | undefined;
  readonly args: (item: unknown, index: number) => unknown[];
}

function mapAll<T, R>(task: Task<[T], R>, items: Iterable<T>, options: MapCallOptions & { returnExceptions: true }): Promise<Array<Awaited<R> | Error>>;
function mapAll<T, R>(task: Task<[T], R>, items: Iterable<T>, options?: MapCallOptions): Promise<Array<Awaited<R>>>;
function mapAll<T, A extends unknown[], R>(
  task: Task<A, R>,
  items: Iterable<T>,
  options: MapCallOptions & { args: (item: T, index: number) => [...A]; returnExceptions: true },
): Promise<Array<Awaited<R> | Error>>;
function mapAll<T, A extends unknown[], R>(
  task: Task<A, R>,
  items: Iterable<T>,
  options: MapCallOptions & { args: (item: T, index: number) => [...A] },
): Promise<Array<Awaited<R>>>;
async function mapAll(task: Task, items: Iterable<unknown>, options: MapOptions = {}): Promise<unknown[]> {
  const spec = mapSpec("flyte.map", task, items, options);
  const results = new Array<unknown>(spec.items.length);
  const work = async (): Promise<unknown[]> => {
    for await (const { index, value } of completions(spec)) results[index] = value;
    return results;
  };
  return spec.groupName ? group(spec.groupName, work) : work();
}

/** Yields each item's result (or Error, with `returnExceptions`) as soon as it completes. */
function mapStream<T, R>(task: Task<[T], R>, items: Iterable<T>, options?: MapCallOptions): AsyncGenerator<Awaited<R>>;
function mapStream<T, A extends unknown[], R>(
  task: Task<A, R>,
  items: Iterable<T>,
  options: MapCallOptions & { args: (item: T, index: number) => [...A] },
): AsyncGenerator<Awaited<R>>;
async function* mapStream(task: Task, items: Iterable<unknown>, options: MapOptions = {}): AsyncGenerator<unknown> {
  const spec = mapSpec("flyte.map.stream", task, items, options);
  const source = completions(spec);
  if (!spec.groupName) {
    for await (const { value } of source) yield value;
    return;
  }
  // Start the first calls inside the group so every action of the map is recorded in it.
  const first = await group(spec.groupName, () => source.next());
  if (first.done) return;
  yield first.value.value;
  for await (const { value } of source) yield value;
}

/**
 * Runs `task` once per item, at most `concurrency` at a time, and resolves with the results in item order.
 * @example const lengths = await flyte.map(countWords, documents, { concurrency: 8 });
 */
export const map = Object.assign(mapAll, { stream: mapStream });

function mapSpec(caller: string, task: Task, items: Iterable<unknown>, options: MapOptions): MapSpec {
  if (!taskTemplateOf(task)) {
    const what = typeof task === "function" ? `the plain function "${(task as { name: string }).name || "anonymous"}"` : typeof task;
    throw new InvalidInputError(
      `${caller} expects a task (created with env.task(...)) as its first argument, got ${what}; wrap the function with env.task or call it directly`,
    );
  }
  if (items === null || typeof (items as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== "function") {
    throw new InvalidInputError(`${caller}(${task.id}, items): items must be an array or another iterable, got ${items === null ? "null" : typeof items}`);
  }
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError(`${caller}: options must be an object, got ${options === null ? "null" : typeof options}`);
  }
  checkKnownKeys(options, MAP_OPTION_KEYS, caller);
  const { concurrency, args } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new InvalidOptionError(`${caller}: option "concurrency" must be an integer ≥ 1, got ${JSON.stringify(concurrency)}`);
  }
  if (args !== undefined && typeof args !== "function") {
    throw new InvalidOptionError(`${caller}: option "args" must be a function (item, index) => [arguments], got ${typeof args}`);
  }
  const list = [...items];
  return {
    task,
    items: list,
    concurrency: concurrency ?? Math.max(list.length, 1),
    returnExceptions: options.returnExceptions === true,
    groupName: options.groupName,
    args: args ?? ((item) => [item]),
  };
}

interface Completion {
  readonly index: number;
  readonly value: unknown;
}

/** Starts calls as slots free up and yields completions in the order they happen. */
async function* completions(spec: MapSpec): AsyncGenerator<Completion> {
  const total = spec.items.length;
  const done: Completion[] = [];
  let failure: { error: unknown } | undefined;
  let next = 0;
  let settled = 0;
  let wake: (() => void) | undefined;

  const start = (): void => {
    while (next < total && next - settled < spec.concurrency && !failure) {
      const index = next++;
      let call: Promise<unknown>;
      try {
        call = spec.task(...spec.args(spec.items[index], index));
      } catch (error) {
        call = Promise.reject(error as Error);
      }
      call.then(
        (value) => finish({ index, value }),
        (error: unknown) => {
          if (spec.returnExceptions) finish({ index, value: error instanceof Error ? error : new Error(String(error)) });
          else {
            failure ??= { error };
            finish(undefined);
          }
        },
      );
    }
  };
  const finish = (completion: Completion | undefined): void => {
    settled++;
    if (completion) done.push(completion);
    // Refill from the completion callback: slots free up without waiting for the consumer, and the new calls
    // inherit the async context (run, group) in which the map was started.
    start();
    wake?.();
  };

  start();
  let yielded = 0;
  while (yielded < total) {
    if (failure) throw failure.error;
    const completion = done.shift();
    if (completion) {
      yielded++;
      yield completion;
      continue;
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
}
