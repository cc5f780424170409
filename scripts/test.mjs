// Runs every test/**/*.test.ts with node's built-in runner (its closing summary is what CI reads).
// Usage: npm test [-- <file or folder filter>...]
//
// The workflow tests (test/workflows/) run the real actionlint and act at pinned versions, so when
// any of them is selected the pinned tools are installed first (scripts/install-tools.sh: a no-op
// when .tools/bin already holds them, a build from source with Go the first time).
//
// Files run in parallel (MODELSHIP_TEST_CONCURRENCY, default 4): most of a test file's time goes to
// child processes (node, git, act) and start-up, and on a busy machine four runners get a fairer
// share of the CPU than one. No test may depend on timing for this to hold (see docs/architecture.md).
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function findTests(dir) {
  const found = []
  for (const entry of readdirSync(dir)) {
    if (entry === 'fixtures' || entry === 'node_modules') continue
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) found.push(...findTests(path))
    else if (entry.endsWith('.test.ts')) found.push(path)
  }
  return found
}

const filters = process.argv.slice(2)
const files = findTests('test')
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort()
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`)
  process.exit(2)
}

const concurrency = process.env.MODELSHIP_TEST_CONCURRENCY ?? '4'
if (!/^[1-9]\d*$/.test(concurrency)) {
  console.error(`MODELSHIP_TEST_CONCURRENCY is '${concurrency}'; expected a whole number of test files to run at once, e.g. 4`)
  process.exit(2)
}

if (files.some((file) => file.startsWith(join('test', 'workflows') + '/'))) {
  console.log('npm test: the workflow tests need the pinned actionlint, act and shellcheck: bash scripts/install-tools.sh')
  const install = spawnSync('bash', ['scripts/install-tools.sh'], { stdio: 'inherit' })
  if (install.status !== 0) {
    // Run the tests anyway: everything else is still worth knowing, and each workflow test fails
    // with the install command.
    console.error('npm test: the workflow tools could not be installed (see above); the workflow tests will fail')
  }
}

// A hung test must fail the run, not stall CI. The limit only bounds a hang: it applies to each
// test file as a whole too, and the slowest file (the GitHub registry contract, about 35 s on 2 idle
// cores) took over 3 minutes beside the rest of the suite at load 15-19.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
)
process.exit(result.status ?? 1)
