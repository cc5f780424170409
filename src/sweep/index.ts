/** Sweeps: trials of `train.sweep` trained and evaluated, and the best passing one selected. */
export { runSweep, sweepDir, type RunSweepOptions } from './run-sweep.js'
export { expandTrials, TRAIN_VARIANT, type SweepTrial, type ExpandedTrials } from './trials.js'
export { selectTrial, type SweepSelection } from './select.js'
export { renderLeaderboardMarkdown, renderLeaderboardText } from './leaderboard.js'
export { SweepResultSchema, SWEEP_FILE, SWEEP_SCHEMA_VERSION, readSweepResult, type SweepResult, type SweepTrialResult } from './sweep-schema.js'
export { runPool } from './pool.js'
export { seededRandom } from './random.js'
export { requestSweep, type SweepRequest } from './on-fail.js'
