/** The tier a test file belongs to: its place in the order the suite starts files in. */
export function tierOf(test: { path: string }): number;
