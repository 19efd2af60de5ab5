/**
 * The four HMPPS domain event types this service handles (rules §2.3). The SNS subscription filters on
 * them; the service itself never routes on `eventType` (the kind comes from the detail body, rules §4.1).
 */
export const allocationEventTypes = [
  'person.community.manager.allocated',
  'event.manager.allocated',
  'requirement.manager.allocated',
  'licence-condition.manager.allocated',
] as const;

export type AllocationEventType = (typeof allocationEventTypes)[number];

/** The subscription filter policy (on the `eventType` message attribute) that delivers only allocations. */
export const allocationsFilterPolicy = { eventType: [...allocationEventTypes] };
