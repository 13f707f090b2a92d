/**
 * What an application process of a test system starts with: local mode (development secrets,
 * the simulated payment provider), info logs, the default namespace, metrics on free ports, and
 * of the test runner's own environment only PATH and HOME.
 */
export const localProcessEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'development',
  LOCAL_MODE: 'true',
  PAYMENT_PROVIDER: 'simulated',
  LOG_LEVEL: 'info',
  TEMPORAL_NAMESPACE: 'default',
  METRICS_PORT: '0',
  PROJECTOR_METRICS_PORT: '0',
});
