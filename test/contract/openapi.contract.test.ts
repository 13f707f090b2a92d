import { startContractApi, type ContractApi } from './contract-api';
import { runSchemathesis } from './run-schemathesis';
import { provisionSchemathesis, SCHEMATHESIS_VERSION } from './schemathesis';

// The OpenAPI document is the contract: schemathesis generates requests from it (valid and
// invalid ones, unsupported methods, missing auth, …) against the API in this process over the
// unit tests' fakes, and every response must match what the document says. Any finding fails.

const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 100);
/** Fixed by default so CI is reproducible; set SCHEMATHESIS_SEED to explore other cases. */
const SEED = Number(process.env.SCHEMATHESIS_SEED ?? 20261126);
const RUN_TIMEOUT_MS = 300_000;

const progress = (line: string) => process.stderr.write(`[contract] ${line}\n`);

jest.setTimeout(RUN_TIMEOUT_MS + 300_000); // plus a first-time pip install

describe(`schemathesis ${SCHEMATHESIS_VERSION} against the OpenAPI document`, () => {
  let api: ContractApi;
  let bin: string;

  beforeAll(async () => {
    bin = await provisionSchemathesis(progress);
    api = await startContractApi();
  });

  afterAll(() => api?.close());

  it('finds nothing with --checks all', async () => {
    progress(
      `schemathesis: ${api.url}/openapi.json, at most ${MAX_EXAMPLES} examples per operation, seed ${SEED}, killed after ${RUN_TIMEOUT_MS / 1000} s`,
    );
    const run = await runSchemathesis({
      bin,
      schemaUrl: `${api.url}/openapi.json`,
      headers: { Authorization: `Bearer ${api.token}` },
      maxExamples: MAX_EXAMPLES,
      seed: SEED,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    progress(`schemathesis summary: ${run.summary.join(' | ') || '(none printed)'}`);
    expect(run.timedOut).toBe(false);
    expect(run.summary.some((line) => /\bfailures?\b|\berrors?\b/.test(line))).toBe(false);
    expect(run.exitCode).toBe(0);
  });
});
