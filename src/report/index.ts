/** Reports: the Markdown of an evaluation, the sticky PR comment, and the fork fallback files. */
export { renderReport, reportMarker, verdictHeading, deltaCell, type RenderReportOptions } from './render-report.js'
export { fitComment, cutNote, COMMENT_LIMIT } from './fit-comment.js'
export { featureChart, TOP_FEATURES } from './feature-chart.js'
export { GITHUB_ACTIONS_BOT, postingLogin, upsertStickyComment, type StickyCommentTarget, type StickyCommentResult } from './sticky-comment.js'
export { postReport, type PostReportOptions, type PostReportResult } from './post-report.js'
export { writePendingReport, readPendingReports, pendingReportBase, PendingReportSchema, type PendingReport } from './pending-report.js'
export { expandEvaluationFiles, splitList, globToRegExp } from './evaluation-files.js'
export { renderEvaluationText } from './render-text.js'
