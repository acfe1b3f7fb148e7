/**
 * Rendering on animation frames. Messages only change state and mark a view dirty; each dirty
 * view renders at most once per frame, whatever the message rate (the book can update 1,000×/s).
 */
export class FrameLoop {
  private readonly dirty = new Set<() => void>();
  private scheduled = false;

  /** Render `view` at the next animation frame (once, however often it is marked). */
  mark(view: () => void): void {
    this.dirty.add(view);
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(this.run);
  }

  /** Forget a view (its page is gone). */
  cancel(view: () => void): void {
    this.dirty.delete(view);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const views = [...this.dirty];
    this.dirty.clear();
    for (const v of views) {
      try {
        v();
      } catch (e) {
        // One broken view must not stop the others; surfaced as a page error for tests and devtools.
        setTimeout(() => { throw e; });
      }
    }
  };
}
