import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { readSecretValue } from "./secret-input.js";

/** A fake terminal: a stream with isTTY and setRawMode, as process.stdin has when it is a TTY. */
function terminal(): { stdin: NodeJS.ReadStream; rawModes: boolean[] } {
  const rawModes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: vi.fn((mode: boolean) => {
      rawModes.push(mode);
      return stdin;
    }),
  }) as unknown as NodeJS.ReadStream;
  return { stdin, rawModes };
}

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe("readSecretValue", () => {
  it("reads a terminal in raw mode without echoing, honouring backspace, until Enter", async () => {
    const { stdin, rawModes } = terminal();
    const prompt = sink();
    const value = readSecretValue(stdin, prompt.stream, "db");
    stdin.write("hunt");
    stdin.write("er3\u007f2é\r ignored after enter");
    expect(await value).toBe("hunter2é");
    expect(rawModes).toEqual([true, false]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(prompt.text()).toBe("value of secret db (input hidden): \n");
  });

  it("cancels on Ctrl-C and leaves raw mode", async () => {
    const { stdin, rawModes } = terminal();
    const value = readSecretValue(stdin, sink().stream, "db");
    stdin.write("abc\u0003");
    await expect(value).rejects.toThrow("cancelled; no secret was stored");
    expect(rawModes).toEqual([true, false]);
  });

  it("reads a pipe whole, trimming one trailing newline", async () => {
    const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
    const prompt = sink();
    const value = readSecretValue(stdin, prompt.stream, "db");
    (stdin as unknown as PassThrough).end("line one\nline two\n\n");
    expect(await value).toBe("line one\nline two\n");
    expect(prompt.text()).toBe("");
  });
});
