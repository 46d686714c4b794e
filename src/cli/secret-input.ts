// Reads a secret's value for `flyte create secret` when it is not on the command line: from the terminal with
// echo off (raw mode, so the characters never reach the screen or a terminal recording), or whole from a pipe.
// The value is only ever returned, never printed.
import { UsageError } from "./inputs/index.js";

const ENTER = new Set(["\r", "\n", "\u0004"]); // Enter, or Ctrl-D
const ERASE = new Set(["\u007f", "\b"]);
const CANCEL = "\u0003"; // Ctrl-C: raw mode turns it into a character instead of SIGINT

/**
 * The value typed at the terminal (prompting on `prompt`), or all of a piped stdin minus one trailing newline.
 * @throws UsageError when the user presses Ctrl-C.
 */
export async function readSecretValue(stdin: NodeJS.ReadStream, prompt: NodeJS.WritableStream, label: string): Promise<string> {
  if (stdin.isTTY) return readHidden(stdin, prompt, label);
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

function readHidden(stdin: NodeJS.ReadStream, prompt: NodeJS.WritableStream, label: string): Promise<string> {
  prompt.write(`value of secret ${label} (input hidden): `);
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (error?: Error): void => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompt.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === CANCEL) return finish(new UsageError("cancelled; no secret was stored"));
        if (ENTER.has(char)) return finish();
        if (ERASE.has(char)) value = [...value].slice(0, -1).join("");
        else value += char;
      }
    };
    stdin.setEncoding("utf8");
    stdin.setRawMode(true);
    stdin.on("data", onData);
    stdin.resume();
  });
}
