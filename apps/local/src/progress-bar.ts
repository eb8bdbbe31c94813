import cliProgress from 'cli-progress';

// cli-progress is CommonJS with an object literal export Node's ESM loader cannot name: the default
// import is its module.exports.
const { Format, SingleBar } = cliProgress;

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Done as a fraction of total; the total may be an estimate, so the fraction clamps at 1. */
function fraction(done: number, total: number): number {
  return total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
}

/** `[#######.......]`: `fraction` (clamped to 0..1) of `width` filled, by cli-progress's bar formatter. */
export function barText(fraction: number, width: number): string {
  const f = Number.isNaN(fraction) ? 0 : Math.min(1, Math.max(0, fraction));
  return `[${Format.BarFormat(f, {
    barsize: width,
    barCompleteString: '#'.repeat(width),
    barIncompleteString: '.'.repeat(width),
    barGlue: '',
  })}]`;
}

/**
 * `[#######.......]  42%  4,200 / 10,000` as one string (the total may be an estimate: clamps at
 * 100%). The bar itself is cli-progress's bar formatter; a caller that redraws a line in place
 * should use `startProgress`, which also handles a stream that is not a terminal.
 */
export function progressBar(done: number, total: number, width = 30): string {
  const f = fraction(done, total);
  return `${barText(f, width)} ${String(Math.round(f * 100)).padStart(3)}%  ${count(done)} / ${count(Math.max(total, done))}`;
}

/** The part of a Node write stream progress output uses (process.stdout and stderr are ones). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** What is progressing, printed first (`scanning books`). */
  readonly label: string;
  readonly stream: ProgressStream;
  /** Not a terminal: at most one line per this many ms (default 2000); `stop` prints the last state. */
  readonly everyMs?: number;
  /** Clock of the line throttle (tests). */
  readonly now?: () => number;
}

export interface Progress {
  /** `detail` is printed after the counts (`12 objects`). */
  update(done: number, total: number, detail?: string): void;
  /** Draws the final state and ends the line; call it in a `finally` (the bar redraws on a timer). */
  stop(): void;
}

/**
 * Progress on `stream`: on a terminal, a bar cli-progress redraws in place (at most 10 times a
 * second); elsewhere (a pipe, a file, CI) no bar and no control characters, but one plain line per
 * step, at most one every `everyMs`: `scanning books: 4,200 of ~10,000 (42%), 12 objects`.
 */
export function startProgress(options: ProgressOptions): Progress {
  if (options.stream.isTTY === true) return terminalProgress(options);
  return lineProgress(options);
}

function terminalProgress(options: ProgressOptions): Progress {
  const bar = new SingleBar({
    // cli-progress reads isTTY, columns and write from the stream; readline's cursor calls write too.
    stream: options.stream as NodeJS.WritableStream,
    format: `${options.label} [{bar}] {percentage}%  {done} / {shownTotal}{detail}`,
    barCompleteChar: '#',
    barIncompleteChar: '.',
    barsize: 30,
    // The signal handlers of the commands end the run; the cursor stays visible so an interrupt
    // never leaves a terminal without one.
    hideCursor: false,
    clearOnComplete: false,
    stopOnComplete: false,
  });
  const payload = (done: number, total: number, detail?: string): Record<string, string> => ({
    done: count(done),
    shownTotal: count(Math.max(total, done)),
    detail: detail === undefined ? '' : `  ${detail}`,
  });
  let started = false;
  return {
    update(done, total, detail) {
      // An estimated total can be passed by the count: the bar's total grows with it (100% at most).
      const shown = Math.max(1, total, done);
      if (!started) {
        bar.start(shown, done, payload(done, total, detail));
        started = true;
        return;
      }
      bar.setTotal(shown);
      bar.update(done, payload(done, total, detail));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function lineProgress(options: ProgressOptions): Progress {
  const everyMs = options.everyMs ?? 2000;
  const now = options.now ?? Date.now;
  let lastAt: number | undefined;
  let pending: string | undefined;
  const print = (line: string): void => {
    options.stream.write(`${line}\n`);
    lastAt = now();
    pending = undefined;
  };
  return {
    update(done, total, detail) {
      const line = `${options.label}: ${count(done)} of ~${count(Math.max(total, done))} (${Math.round(fraction(done, total) * 100)}%)${detail === undefined ? '' : `, ${detail}`}`;
      if (lastAt === undefined || now() - lastAt >= everyMs) print(line);
      else pending = line;
    },
    stop() {
      if (pending !== undefined) print(pending);
    },
  };
}
