import type { BareActivities } from './workflows';

export const bareActivities: BareActivities = {
  noop: (input) => Promise.resolve(input),
};
