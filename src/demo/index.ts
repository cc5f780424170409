/** `modelship demo`: the whole lifecycle on a throwaway repository, locally. */
export { runDemo, renderSummary, type DemoOptions, type DemoStep, type RunCommand } from './run-demo.js'
export { demoRows, DEMO_MODEL } from './demo-repo.js'
