import { metricMeter, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

// Workflow interceptor module of the bench's bundle only (bench/bundle.ts): counts workflow
// activations, each a turn of the workflow code in its V8 context, on the workflow meter. The
// worker forwards the count to its Temporal runtime, whose Prometheus exporter the bench scrapes
// (bench/main.ts), labelled with the SDK's `namespace`, `taskQueue` and `workflowType`. The
// meter drops emissions while replaying, so queries (run as replay) and replays after a cache
// eviction are not counted: the figure is the activations a live order needs.

export const ACTIVATIONS_METRIC = 'bench_workflow_activations_total';

export const interceptors: WorkflowInterceptorsFactory = () => {
  const activations = metricMeter.createCounter(
    ACTIVATIONS_METRIC,
    undefined,
    'Workflow activations run (not replayed), counted by the benchmark.',
  );
  return {
    internals: [
      {
        activate(input, next) {
          // An activation with signals runs in two batches (signals first): count it once.
          if (input.batchIndex === 0) activations.add(1);
          next(input);
        },
      },
    ],
  };
};
