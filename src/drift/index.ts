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
export { KS_EXACT_MAX_N, ksTwoSample, type KsMethod, type KsOptions, type KsResult } from './ks-two-sample.js'
export { computePsi, PSI_EMPTY_BIN_SHARE, sharesWithSmallShare } from './psi.js'
export { sortFinite } from './sort-float64.js'
export { chiSquareSf, logGamma, normalSf, regularizedGammaQ } from './special-functions.js'
export { normalizedWasserstein, populationStd, WASSERSTEIN_STD_FLOOR, wassersteinDistance } from './wasserstein.js'
export { twoProportionZTest, type ZTestResult } from './z-test.js'
