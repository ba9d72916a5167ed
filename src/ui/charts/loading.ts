/**
 * Loading helpers of the timing view that keep the page responsive: a
 * response body as text chunks, and the step breakdown built a slice at a
 * time.
 */
import { yieldToEventLoop } from '../../engine/timing/metrics';
import {
  barSize,
  binTimings,
  breakdownOf,
  countOverlapping,
  IStepBreakdown,
  IStepTiming,
  stepTimings
} from '../../engine/timing/steps';
import { MetricsRow } from '../../engine/types';
import { MAX_BARS } from './stepsSection';

/** Rows turned into step timings between yields to the event loop. */
const ROWS_PER_SLICE = 1000;

/** The text of a response body, chunk by chunk. */
export async function* responseChunks(
  body: ReadableStream<Uint8Array>
): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      yield decoder.decode(value, { stream: true });
    }
    const rest = decoder.decode();
    if (rest) {
      yield rest;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The step breakdown of many rows without a long task: rows are turned
 * into timings and grouped into bars a slice at a time, yielding between
 * slices. Slices hold whole bars, so the grouping matches the sync one.
 */
export async function breakdownAsync(
  rows: MetricsRow[]
): Promise<{ breakdown: IStepBreakdown; steps: number }> {
  const perBar = barSize(rows.length, MAX_BARS);
  const slice = perBar * Math.max(1, Math.floor(ROWS_PER_SLICE / perBar));
  const bars: IStepTiming[] = [];
  let steps = 0;
  let overlapping = 0;
  for (let i = 0; i < rows.length; i += slice) {
    const timings = stepTimings(rows.slice(i, i + slice), i);
    steps += timings.length;
    overlapping += countOverlapping(timings);
    bars.push(...binTimings(timings, perBar));
    await yieldToEventLoop();
  }
  return {
    breakdown: breakdownOf(bars, { steps, perBar, overlapping }),
    steps
  };
}
