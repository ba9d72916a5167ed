/**
 * Timing charts for the panel's performance section.
 */
export { TimingView } from './timingView';
export type { ITimingViewOptions } from './timingView';
export { findRunPaths, metricsFileFor, toContentsPath } from './runFolder';
