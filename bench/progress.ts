// One status line on stderr, rewritten in place: which benchmark step runs and how far it is.

/** `[3/9] saga x1 [#######.............] 21/60 orders` (pure, unit-tested). */
export function progressLine(
  step: number,
  steps: number,
  label: string,
  done?: number,
  total?: number,
  extra = '',
): string {
  const head = `[${step}/${steps}] ${label}`;
  if (done === undefined || total === undefined || total <= 0)
    return extra ? `${head} ${extra}` : head;
  const width = 20;
  const filled = Math.min(width, Math.round((done / total) * width));
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  return `${head} ${bar} ${done}/${total}${extra ? ` ${extra}` : ''}`;
}

export interface Progress {
  /** Starts the next step. */
  step(label: string): void;
  update(done?: number, total?: number, extra?: string): void;
  /** A line that stays (a step's summary). */
  log(text: string): void;
  end(): void;
}

export function createProgress(
  steps: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  let step = 0;
  let label = '';
  let last = '';
  let lastLogged = 0;
  const started = Date.now();
  // Only a terminal gets the in-place rewrite; a log file gets one line per change of step,
  // with the seconds since the start, so a saved log shows where the time went.
  const tty = stream.isTTY === true;
  const at = () => ` (at ${((Date.now() - started) / 1000).toFixed(0)} s)`;
  const write = (line: string) => {
    if (tty) stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1).padEnd(last.length)}`);
    last = line;
  };
  return {
    step(next) {
      step++;
      label = next;
      if (tty) write(progressLine(step, steps, label));
      else stream.write(`${progressLine(step, steps, label)}${at()}\n`);
    },
    update(done, total, extra) {
      const line = progressLine(step, steps, label, done, total, extra);
      if (tty) write(line);
      // A log file gets a line at most every 5 s, so a slow step still shows it is alive.
      else if (Date.now() - lastLogged > 5_000) {
        lastLogged = Date.now();
        stream.write(`${line}${at()}\n`);
      }
    },
    log(text) {
      if (tty) stream.write(`\r${''.padEnd(last.length)}\r`);
      stream.write(`${text}\n`);
      last = '';
    },
    end() {
      if (tty) stream.write(`\r${''.padEnd(last.length)}\r`);
    },
  };
}
