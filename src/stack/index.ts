/**
 * Test stacks: start a compose project from a test, reach its services on the ports the engine picked, and be
 * sure it is gone afterwards, even when the test process crashes.
 */
export { Stack } from './stack.js';
export type {
  StackDownOptions, StackExecOptions, StackExecResult, StackLogsOptions, StackPortOptions, StackUpOptions, StackUrlOptions,
} from './options.js';
export type {
  ProgressStackEvent, ReadyStackEvent, StackEvent, StackEventType, StackListener, StateStackEvent, WarningStackEvent,
} from './events.js';
export { ReaperUnavailableError, ServiceNotReadyError, StackError, StackTimeoutError, type ServiceFailure } from './errors.js';
export { findStaleStacks, reapStaleStacks, removeProjectResources, type RemovalReport, type StaleStack } from './reaper.js';
export { EPHEMERAL_LABEL, parseEphemeralLabel, type EphemeralOwner } from './isolation.js';
