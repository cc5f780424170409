/** The few facts of a training run (run.json) that a report shows. */
import type { RunRecord } from '../train/run-record.js'
import type { TrainingFacts } from './evaluation-schema.js'

/** Duration, attempts, cache hit, GPUs and links of a run record. */
export function trainingFacts(record: RunRecord): TrainingFacts {
  return {
    runId: record.id,
    durationMs: record.timing.durationMs,
    cacheHit: record.cache.hit,
    attempts: record.attempts.length,
    gpus: (record.gpu?.devices ?? []).map((device) => ({
      name: device.name,
      utilizationMeanPercent: device.utilizationPercent?.mean ?? null,
      utilizationPeakPercent: device.utilizationPercent?.peak ?? null,
      memoryPeakMiB: device.memoryUsedMiB?.peak ?? null,
    })),
    commit: record.commit?.sha ?? null,
    workflowRunUrl: record.workflowRunUrl,
    params: record.params,
    data: { train: record.data.train.sha256, test: record.data.test.sha256 },
    ...(record.timing.setupMs === undefined ? {} : { setupMs: record.timing.setupMs }),
    ...(record.timing.trainingMs === undefined ? {} : { trainingMs: record.timing.trainingMs }),
    ...(record.cache.restoredFrom ? { restoredFrom: record.cache.restoredFrom } : {}),
  }
}
