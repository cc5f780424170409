/** Glue shared by the actions in actions/<name>/main.ts: environment port, inputs, annotations, summaries. */
export { type Annotation, ANNOTATIONS_SHOWN_PER_STEP, AnnotationBudget, formatAnnotationLine } from './annotations.js'
export { type ActionEnv, type ActionEnvOptions, createActionEnv, inputVariable, uniqueMarker } from './env.js'
export { inputName, readInputs } from './inputs.js'
export { type ActionRecord, type RecordingEnvOptions, createRecordingEnv } from './recording-env.js'
export { runMain } from './run-main.js'
export { SUMMARY_CUT_NOTE, SUMMARY_LIMIT_BYTES, escapeCell, fitSummary, markdownTable } from './summary.js'
