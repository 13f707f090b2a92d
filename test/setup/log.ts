/** Setup progress on stderr, so CI logs show what the slow global setup is doing. */
export const setupProgress = (line: string): void => {
  process.stderr.write(`[test-stack] ${line}\n`);
};
