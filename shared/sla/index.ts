export { clockFor, type WorkClock } from './calendar';
export { policyFor, type PolicySubject, type SlaTargets } from './policy';
export { checkSla, pauseSla, resumeSla, startSla, type SlaAction, type SlaCheck, type SlaClockName, type SlaState, type SlaTicket } from './sla';
