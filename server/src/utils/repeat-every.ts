/**
 * Runs `task` every `ms`, never two runs at once, on a timer that does not keep the process alive. A failure goes
 * to `onError` and the next run goes ahead. Returns the function that stops it.
 */
export function repeatEvery(ms: number, task: () => Promise<unknown>, onError: (error: unknown) => void): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  }, ms);
  timer.unref();
  return () => clearInterval(timer);
}
