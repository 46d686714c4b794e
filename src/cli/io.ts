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
  dropOutputWhenReaderLeaves(process.stdout);
  dropOutputWhenReaderLeaves(process.stderr);
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

const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * A closed pipe (whoever read the output went away) must not crash a long-running command such as the server in
 * the middle of its work or its shutdown: what it prints after that is dropped. Other stream errors still throw.
 */
function dropOutputWhenReaderLeaves(stream: NodeJS.WriteStream): void {
  // Not "when it has no error listener": pipes into it add listeners that re-emit the error once they are gone.
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}
