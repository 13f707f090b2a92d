// Every test must assert something that can fail. A test whose expectations sit only in a
// callback that never runs, in a `catch` that is never entered, or after an early `return`
// would otherwise pass while checking nothing (jest.config.js loads this for every tier).
beforeEach(() => {
  expect.hasAssertions();
});
