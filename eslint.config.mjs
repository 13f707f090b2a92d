// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
// Builtins that compute without touching the outside world (hashes, buffers, URLs).
const pureBuiltins = [
  'assert',
  'buffer',
  'crypto',
  'path',
  'querystring',
  'string_decoder',
  'url',
  'util',
];
const ioBuiltins = nodeBuiltins.filter((m) => !pureBuiltins.includes(m.replace(/^node:/, '')));
const ioModules = [
  'mongodb',
  'kafkajs',
  'express',
  'express-rate-limit',
  'helmet',
  'swagger-ui-express',
  'jose',
  'pino',
  'pino-http',
  'pino-pretty',
  'prom-client',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/sdk-trace-node',
];

/**
 * The layering of docs/architecture.md ("Folders and the direction of their imports"): the
 * folders each folder may import besides itself; a folder covers its subfolders. test/ may import
 * anything and nothing imports test/.
 */
const SERVICES = ['events', 'inventory', 'payments', 'shipping'].map((s) => `activities/${s}`);
const PROJECTIONS = ['fold', 'store', 'runtime', 'cli'].map((p) => `projections/${p}`);
const aboveProcesses = ['contracts', 'lib', 'activities', 'projections', 'workflows'];
const LAYERS = {
  contracts: [],
  lib: ['contracts'],
  'activities/shared': ['contracts', 'lib'],
  // A service imports no sibling service: what they share is activities/shared.
  ...Object.fromEntries(SERVICES.map((s) => [s, ['contracts', 'lib', 'activities/shared']])),
  // Pure folds: contracts only, so that no I/O reaches them through lib either.
  'projections/fold': ['contracts'],
  'projections/store': ['contracts', 'lib', 'projections/fold'],
  'projections/runtime': ['contracts', 'lib', 'projections/fold', 'projections/store'],
  'projections/cli': ['contracts', 'lib', ...PROJECTIONS.slice(0, 3)],
  // Activities as types only (TYPE_ONLY); not lib/, whose I/O the fence's list of module names
  // would not see through a relative import.
  workflows: ['contracts', 'activities'],
  workers: aboveProcesses,
  api: aboveProcesses,
  stack: aboveProcesses,
  system: [...aboveProcesses, 'workers', 'api', 'stack'],
  testing: [...aboveProcesses, 'workers', 'api', 'stack', 'system'],
  scripts: [...aboveProcesses, 'workers', 'api', 'stack', 'system', 'testing'],
  bench: [...aboveProcesses, 'workers', 'api', 'stack', 'system', 'testing', 'scripts'],
};
/** Workflow code runs in Temporal's sandbox: activities only as `proxyActivities<typeof …>`. */
const TYPE_ONLY = { workflows: 'activities' };
/** Callers of the workflow import only its client face, workflows/client.ts. */
const CLIENT_FACE_ONLY = ['api', 'scripts', 'testing', 'system'];
/** contracts/ and the pure folds do no I/O; workflow code is deterministic (no builtins at all). */
const FENCES = {
  contracts: { paths: [...ioBuiltins, ...ioModules], why: 'contracts/ does no I/O' },
  'projections/fold': { paths: [...ioBuiltins, ...ioModules], why: 'the folds are pure: no I/O' },
  workflows: {
    paths: [...nodeBuiltins, ...ioModules],
    why: 'workflow code must stay deterministic: no Node builtins or I/O modules',
  },
};

/** Everything an import can reach: each layer, the parents as wholes, and test/. */
const UNITS = [...Object.keys(LAYERS), 'test'];
const parentOf = (unit) => (unit.includes('/') ? unit.split('/')[0] : undefined);
const within = (unit, folder) => unit === folder || unit.startsWith(`${folder}/`);

/**
 * A relative import of `target` from any depth of `layer`: `../lib/x`, `../../lib`; a sibling
 * in the same parent also as `../payments/x`.
 */
function reaching(layer, target, tail = '(/|$)') {
  const parent = parentOf(target);
  const path =
    parent && parentOf(layer) === parent
      ? `(${parent}/)?${target.slice(parent.length + 1)}`
      : target;
  return `^(\\.\\./)+${path}${tail}`;
}

/** The folders `layer` may not import, a parent as a whole where all of it is out of reach. */
function forbiddenFor(layer) {
  const allowed = LAYERS[layer];
  const out = UNITS.filter(
    (u) => !within(u, layer) && !allowed.some((a) => within(u, a)) && parentOf(layer) !== u,
  );
  const wholes = ['activities', 'projections'].filter(
    (p) =>
      parentOf(layer) !== p && UNITS.filter((u) => parentOf(u) === p).every((u) => out.includes(u)),
  );
  return [...wholes, ...out.filter((u) => !wholes.includes(parentOf(u) ?? ''))];
}

/** One rule entry per layer: its fence (if any), then the imports pointing back up. */
function restrictedImports(layer) {
  const allowed = LAYERS[layer];
  const above = allowed.length > 0 ? allowed.map((a) => `${a}/`).join(', ') : 'itself';
  const rule = `${layer}/ imports only ${above} (docs/architecture.md, layering)`;
  const patterns = forbiddenFor(layer).map((target) => ({
    regex: reaching(layer, target),
    caseSensitive: true,
    message: `${target}/ is not above ${layer}/: ${rule}.`,
  }));
  if (TYPE_ONLY[layer])
    patterns.push({
      regex: reaching(layer, TYPE_ONLY[layer]),
      caseSensitive: true,
      allowTypeImports: true,
      message: 'Import activities by type only and call them through proxyActivities.',
    });
  if (CLIENT_FACE_ONLY.includes(layer))
    patterns.push({
      regex: reaching(layer, 'workflows', '(/(?!client$)|$)'),
      caseSensitive: true,
      message: `${layer}/ reaches the workflow only through its client face, workflows/client.ts.`,
    });
  const fence = FENCES[layer];
  const paths = (fence?.paths ?? []).map((name) => ({ name, message: `${fence.why}.` }));
  return {
    files: [`${layer}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] },
  };
}

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'coverage',
      '.stack',
      'eslint.config.mjs',
      'jest.config.js',
      'test/setup/long-files-first.js', // plain JS: Jest loads a sequencer without transforming it
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  // One entry per layer (the folders are disjoint), as a later entry would replace the rule.
  ...Object.keys(LAYERS).map(restrictedImports),
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
