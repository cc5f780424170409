/** Differential privacy for published drift reports: exact discrete noise, the report's noised copy, the budget. */
export { discreteLaplaceVariance, noiseRate, noisyCount, sampleDiscreteLaplace, type UniformInt } from './discrete-laplace.js'
export { privatizeReport, type PrivatizedReport, type PrivatizeOptions } from './privatize-report.js'
export { budgetLeft, chargeBudget, EMPTY_LEDGER, type PrivacyLedger, PrivacyLedgerSchema, type PrivacyPolicy } from './budget.js'
