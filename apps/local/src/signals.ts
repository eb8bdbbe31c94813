/**
 * Resolves on the first SIGINT (Ctrl-C) or SIGTERM, so a command can stop its stack cleanly. A
 * second signal while stopping exits at once (exit code 130), as users expect from a second Ctrl-C.
 */
export function untilSignal(onSecond: () => void = () => process.exit(130)): {
  promise: Promise<NodeJS.Signals>;
  dispose(): void;
} {
  let first = true;
  let resolve!: (signal: NodeJS.Signals) => void;
  const promise = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals): void => {
    if (first) {
      first = false;
      resolve(signal);
    } else onSecond();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    promise,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
