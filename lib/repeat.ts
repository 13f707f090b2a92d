/**
 * Runs `task` every `intervalMs`, one run at a time: a tick that finds the previous run still
 * going is skipped, so a slow run never piles up behind itself (each task bounds its own calls
 * and handles its own errors). The timer does not keep the process alive. Returns the stop.
 */
export function repeatWithoutOverlap(intervalMs: number, task: () => Promise<void>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void task().finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
