/**
 * Step timing (TD130–TD134): the cookbook's `metrics.jsonl` spans and the
 * `Starting X` / `X took ...` log lines in cell outputs.
 */
import { IFinding, IRuleModule, IRuleResult } from '../types';
import { unfinishedFindings } from './logLines';
import { stepFindings } from './stepRules';
import { stepTimings } from './steps';

export { readMetrics, readMetricsAsync, MetricsReader } from './metrics';
export { stepTimings, stepBreakdown, GAP_BAND } from './steps';
export type { IStepTiming, IStepBreakdown } from './steps';
export {
  unfinishedOperations,
  unfinishedFindings,
  unfinishedLogFinding
} from './logLines';

/** The timing rule module. */
export const timingRules: IRuleModule = {
  name: 'timing',
  codes: ['TD130', 'TD131', 'TD132', 'TD133', 'TD134'],
  run: (input): IRuleResult => {
    const findings: IFinding[] = [];
    const notes: string[] = [];
    const checked: string[] = [];
    if (input.metrics) {
      notes.push(...input.metrics.notes.map(n => `metrics.jsonl: ${n}`));
      const timings = stepTimings(input.metrics.rows);
      if (timings.length > 0) {
        checked.push('timing');
        findings.push(...stepFindings(timings));
      } else {
        notes.push(
          'metrics.jsonl has no time/* values: step timing not checked.'
        );
      }
    }
    if (input.notebook) {
      findings.push(...unfinishedFindings(input.notebook));
    }
    return { findings, checked, notes };
  }
};
export { readTrace, traceSpans } from './trace';
export type { ITraceEvent, ITraceSpan, ITraceInput } from './trace';
export { readTimeline, timelineBars } from './timeline';
export type { ITimelineRun, ITimelineBar } from './timeline';
export { timelineToTrace, timelineTraceJson } from './traceExport';
export { readTraceAsync } from './trace';
export { traceTimelines } from './traceTimeline';
