// In-memory state of one live action: its running children (for abort cascades), its call counter (for
// deterministic child names) and its AbortSignal. The signal is created lazily because most actions never
// look at it, and cascades walk the tree instead of chaining thousands of listeners on one signal.
// Two kinds of stop: abort() is permanent (run or ancestor aborted); endAttempt() stops only the current
// attempt (a timeout), after which a retry may begin a fresh one.

export class ActionNode {
  readonly name: string;
  readonly parent: ActionNode | null;
  attempt = 1;
  /** Call sequence number of the next child or trace; reset at the start of every attempt. */
  nextSeq = 0;
  // Most actions are leaves: their child set and finalizer list are created on first use.
  private children: Set<ActionNode> | undefined;
  private pendingFinalizers: Array<() => Promise<void>> | undefined;
  private controller: AbortController | undefined;
  private abortError: Error | undefined;
  private attemptError: Error | undefined;
  private stopListener: ((error: Error) => void) | undefined;

  constructor(name: string, parent: ActionNode | null) {
    this.name = name;
    this.parent = parent;
  }

  /** The error that permanently stopped this action, if any. */
  get abortReason(): Error | undefined {
    return this.abortError;
  }

  /** Aborted on timeout, run abort or an ancestor's abort; its `reason` is the error that stopped the work. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      const stopped = this.abortError ?? this.attemptError;
      if (stopped) this.controller.abort(stopped);
    }
    return this.controller.signal;
  }

  /** The error that stopped the current attempt (or the whole action). */
  get stopReason(): Error | undefined {
    return this.abortError ?? this.attemptError;
  }

  beginAttempt(attempt: number): void {
    this.attempt = attempt;
    this.nextSeq = 0;
    this.attemptError = undefined;
    this.controller = undefined;
    this.pendingFinalizers = undefined;
  }

  /** Adds work to finish before the attempt's outcome is recorded (e.g. storing its report). */
  addFinalizer(finalize: () => Promise<void>): void {
    (this.pendingFinalizers ??= []).push(finalize);
  }

  /** Removes and returns the current attempt's finalizers. */
  takeFinalizers(): Array<() => Promise<void>> {
    const finalizers = this.pendingFinalizers ?? [];
    this.pendingFinalizers = undefined;
    return finalizers;
  }

  /** Registers the callback that rejects the current attempt's pending result when it is stopped. */
  onStop(listener: ((error: Error) => void) | undefined): void {
    this.stopListener = listener;
  }

  /** Permanently aborts this action and every running descendant. Idempotent: the first reason stays. */
  abort(error: Error, descendantError: (node: ActionNode) => Error): void {
    if (this.abortError) return;
    this.abortError = error;
    this.stop(error, descendantError);
  }

  /** Stops the current attempt only (a timeout); its running children are aborted for good. */
  endAttempt(error: Error, descendantError: (node: ActionNode) => Error): void {
    if (this.attemptError || this.abortError) return;
    this.attemptError = error;
    this.stop(error, descendantError);
  }

  /** Tracks a child until it reaches a terminal phase, so an abort reaches it. */
  attach(child: ActionNode): void {
    (this.children ??= new Set()).add(child);
  }

  detach(child: ActionNode): void {
    this.children?.delete(child);
  }

  private stop(error: Error, descendantError: (node: ActionNode) => Error): void {
    this.controller?.abort(error);
    this.stopListener?.(error);
    if (this.children) for (const child of [...this.children]) child.abort(descendantError(child), descendantError);
  }
}
