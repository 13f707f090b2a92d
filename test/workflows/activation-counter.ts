import { proxySinks } from '@temporalio/workflow';
import type { Sinks, WorkflowInterceptorsFactory } from '@temporalio/workflow';

// A workflow interceptor module (bundled into the saga by activation-counting.ts, never imported
// by the workflow): reports each activation the workflow concludes through a sink, so a test can
// count how often the SDK entered the workflow for one order. Sinks are not called on replay, and
// queries run as replay, so only the activations of the live run are counted.

export interface ActivationSinks extends Sinks {
  activations: { concluded(): void };
}

const { activations } = proxySinks<ActivationSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      concludeActivation(input, next) {
        activations.concluded();
        return next(input);
      },
    },
  ],
});
