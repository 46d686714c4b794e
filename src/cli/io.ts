// What a command may touch of the outside world: its output streams, working directory and exit code. Passed
// in explicitly so commands stay testable and never call process.exit themselves.

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface Io {
  readonly cwd: string;
  readonly isTTY: boolean;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  out(text: string): void;
  err(text: string): void;
  exitCode: number;
}

export function processIo(): Io {
  return {
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
    stdout: process.stdout,
    stderr: process.stderr,
    out: (text) => void process.stdout.write(`${text}\n`),
    err: (text) => void process.stderr.write(`${text}\n`),
    exitCode: EXIT_OK,
  };
}
