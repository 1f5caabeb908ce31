import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    escalationsRaised: new Counter({ name: 'aftercare_escalations_raised_total', help: 'Escalations raised', labelNames: ['kind'], registers }),
    escalationsAcknowledged: new Counter({ name: 'aftercare_escalations_acknowledged_total', help: 'Escalations acknowledged', labelNames: ['kind', 'via'], registers }),
    timeToAcknowledge: new Histogram({
      name: 'aftercare_escalation_time_to_acknowledge_seconds',
      help: 'Seconds from an escalation being raised to a person acknowledging it',
      labelNames: ['kind'],
      buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200],
      registers,
    }),
    escalationsExhausted: new Gauge({
      name: 'aftercare_escalations_exhausted',
      help: 'Open escalations whose every contact (and last resort) was notified with nobody acknowledging, read at scrape time',
      registers,
    }),
    queueDepth: new Gauge({ name: 'aftercare_queue_jobs', help: 'Jobs per queue and state, read at scrape time', labelNames: ['queue', 'state'], registers }),
    oldestOverdue: new Gauge({ name: 'aftercare_oldest_overdue_step_seconds', help: 'Age of the oldest step past its due time and not yet sent (0 when none)', registers }),
    ehrNotifications: new Gauge({ name: 'aftercare_ehr_notifications', help: 'Stored EHR notifications by source and state (failed and unmapped need an operator), read at scrape time', labelNames: ['source', 'status'], registers }),
    jobsFailed: new Counter({ name: 'aftercare_jobs_failed_total', help: 'Jobs that failed, by queue and reason code', labelNames: ['queue', 'reason'], registers }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** Records an acknowledgement: counted by how it came, and how long it took a person to respond. */
export function observeAcknowledgement(metrics: Metrics | undefined, e: { kind: string; raisedAt: Date; acknowledgedAt: Date | null }, via: string): void {
  if (!metrics) return;
  metrics.escalationsAcknowledged.inc({ kind: e.kind, via });
  if (e.acknowledgedAt) metrics.timeToAcknowledge.observe({ kind: e.kind }, Math.max(0, (e.acknowledgedAt.getTime() - e.raisedAt.getTime()) / 1000));
}
