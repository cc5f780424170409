/**
 * The drift statistics, one pure function each (see each file's header for its formula, the
 * reference it matches and its default threshold). Everything outside src/drift imports from here.
 */
export { chiSquareGoodnessOfFit, type ChiSquareResult } from './chi-square.js'
export {
  chooseDriftMethod, type ColumnSummary, DRIFT_METHODS, type DriftMethodInfo, type DriftMethodName, isDrifted, SMALL_REFERENCE_MAX_ROWS,
} from './choose-method.js'
export { columnDrift, type ColumnDriftOptions, type ColumnDriftResult, type ColumnValues } from './column-drift.js'
export {
  type ColumnDriftReport, type DriftHistogram, type DriftPerformance, type DriftReport, DRIFT_REPORT_FILE, DRIFT_REPORT_SCHEMA_VERSION, DriftReportSchema,
  parseDriftReport, type QualityFinding, readDriftReport, renderDriftJson,
} from './drift-report.js'
export { DRIFT_SCHEMA_FILE, driftJsonSchema } from './json-schema.js'
export { datasetDrift, type DatasetDriftResult, DEFAULT_DRIFT_SHARE } from './dataset-drift.js'
export { jensenShannonDistance } from './jensen-shannon.js'
export { kolmogorovSf, smirnov } from './kolmogorov-distribution.js'
export { KS_EXACT_MAX_N, ksFromNumerator, ksTwoSample, type KsMethod, type KsOptions, type KsResult } from './ks-two-sample.js'
export { computePsi, PSI_EMPTY_BIN_SHARE, sharesWithSmallShare } from './psi.js'
export { chiSquareSf, logGamma, normalSf, regularizedGammaQ } from './special-functions.js'
export { normalizedWasserstein, populationStd, WASSERSTEIN_STD_FLOOR, wassersteinDistance } from './wasserstein.js'
export { twoProportionZTest, type ZTestResult } from './z-test.js'
export { categoricalDrift, type CategoricalDriftResult } from './categorical-drift.js'
export {
  type CategoricalReferenceColumn, checkDrift, type CurrentColumn, DEFAULT_OUT_OF_RANGE_SHARE, type DriftCheckOptions, type DriftCurrent, type DriftReference,
  type NumericReferenceColumn, type ReferenceColumn,
} from './check-drift.js'
export { compareSorted, type SortedComparison } from './compare-sorted.js'
export { joinLabels, type JoinLabelsOptions } from './labels.js'
export { histogramCounts, numericDrift, type ColumnStatistics, type NumericDriftResult, sturgesEdges } from './numeric-drift.js'
export {
  CurrentAccumulator, expandDataset, type LoggedPredictions, type LogWindow, logWindow, PREDICTION_LOG_FORMAT, PREDICTION_LOG_METADATA_KEY,
  readCurrentDataset, readPredictionLogs, type WantedColumns,
} from './read-current.js'
export { OUTPUT_PREFIX, referenceFromProfile, referenceFromTable, type ReferenceOrigin } from './reference.js'
export { driftIntensity, type DriftHistoryEntry, historyEntry, renderDriftReport, type RenderDriftOptions } from './report.js'
export { runDriftCheck, type RunDriftOptions } from './run-check.js'
export { sortFinite, SortWorkspace } from './sort-float64.js'
export { compressSorted, sampleFromSorted, type SortedSample } from './sorted-sample.js'
export * as privacy from './privacy/index.js'
export {
  DRIFT_ISSUE_LABEL, driftIssueMarker, type DriftState, decodeDriftState, encodeDriftState, planPublication, type PublicationPlan, publishDriftLocally,
  publishDriftToGitHub, publishPolicy, type PublishPolicy,
} from './publish/index.js'
