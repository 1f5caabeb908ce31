import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process: the API and workers of `aftercare start` share it. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aftercare_process_' });
  const registers = [registry];
  return {
    registry,
    eventsAccepted: new Counter({ name: 'aftercare_events_accepted_total', help: 'Events accepted (first time)', labelNames: ['type'], registers }),
    eventsReplayed: new Counter({ name: 'aftercare_events_replayed_total', help: 'Events replayed with an id already accepted', registers }),
    stepsScheduled: new Counter({ name: 'aftercare_steps_scheduled_total', help: 'Steps scheduled', labelNames: ['template'], registers }),
    stepsFinished: new Counter({
      name: 'aftercare_steps_total',
      help: 'Steps that reached a final state',
      labelNames: ['template', 'channel', 'state'],
      registers,
    }),
    dispatchLateness: new Histogram({
      name: 'aftercare_dispatch_lateness_seconds',
      help: 'Seconds between a step falling due and its send',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    jobsFailed: new Counter({ name: 'aftercare_jobs_failed_total', help: 'Jobs that failed, by queue and reason code', labelNames: ['queue', 'reason'], registers }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
