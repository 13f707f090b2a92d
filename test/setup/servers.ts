import type { SystemServers } from '../../system/isolated-resources';

// For integration test files: where the servers of the global setup answer.

export function testServers(env: NodeJS.ProcessEnv = process.env): SystemServers {
  const missing = ['TEMPORAL_ADDRESS', 'KAFKA_BROKERS', 'MONGO_URL'].filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new Error(
      `testServers(): ${missing.join(', ')} not set. Integration tests get them from the Jest ` +
        "globalSetup of the 'integration' project (test/setup/start-stack.ts): run them with " +
        '`npx jest --selectProjects integration`, or set all three to use existing servers.',
    );
  }
  return {
    temporalAddress: env.TEMPORAL_ADDRESS as string,
    kafkaBrokers: (env.KAFKA_BROKERS as string)
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    mongoUrl: env.MONGO_URL as string,
  };
}
