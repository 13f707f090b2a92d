import { workflowBundle } from '../../workers/workflow-bundle';

// Preloaded modules are evaluated once per workflow thread instead of once per workflow. webpack
// drops a preload of a module it believes free of side effects: a bare preload of zod compiled
// to `function preloadModules() { 0; }` and every workflow still evaluated its own zod.

jest.setTimeout(60_000);

it('the bundle preloads zod, through a module webpack keeps', async () => {
  const { code } = await workflowBundle();
  const preload = code.slice(
    code.indexOf('function preloadModules()'),
    code.indexOf('exports.importWorkflows'),
  );
  expect(preload).toContain('__webpack_require__(');
  expect(preload).toContain('"./workflows/zod-preload.ts"');
  // The module's own code: from its banner to the next module's.
  const moduleStart = code.indexOf('!*** ./workflows/zod-preload.ts ***!');
  const moduleCode = code.slice(moduleStart, code.indexOf('!*** ./', moduleStart + 1));
  expect(moduleCode).toMatch(/__webpack_require__\(\/\*! zod \*\/ "\.\/node_modules\/zod\//);
});
