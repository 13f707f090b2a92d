import { z } from 'zod';

// Preloaded into the workflow bundle (workers/workflow-bundle.ts): evaluated once per workflow
// thread, so zod is shared by every workflow instead of evaluated for each new one. zod records
// its default locale and memoizer in a global object when its first schemas are built and used,
// and the SDK freezes what preloading built, so some are built and used here, first.
z.object({ preloaded: z.array(z.string()) }).safeParse({ preloaded: [''] });
