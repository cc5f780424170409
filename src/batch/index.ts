/**
 * Batch scoring (DESIGN.md §10), one door for the CLI and the action: `batchScore` scores one shard
 * of input files with a pool of worker threads into one result file and a manifest, resumably;
 * `mergeShards` checks the shards' manifests and writes one result and one summary.
 */
export { describeInputs, displayPath, expandInputs, type BatchInput } from './inputs.js'
export { BatchManifestSchema, MANIFEST_FILE, readManifest, type BatchManifest } from './manifest.js'
export { mergeShards, type MergeOptions, type MergeResult } from './merge.js'
export { createProgress, progressText, type Progress, type ProgressMode, type ProgressOptions } from './progress.js'
export { batchScore, parseErrorThreshold, type BatchModel, type BatchScoreOptions, type BatchScoreResult, type ErrorThreshold } from './run.js'
export { checkCoverage, defaultBatchRows, miniBatches, segmentsOf, shardRanges, type FileRange, type MiniBatch, type Segment } from './shard.js'
export { renderBatchSummary, rowsText } from './summary.js'
export { OUTPUT_EXTENSIONS, type OutputFormat } from './writers.js'
export { WORKER_BUNDLE, workerFile } from './pool.js'
