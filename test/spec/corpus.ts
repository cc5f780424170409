/**
 * The bad-input corpus: each folder under test/fixtures/specs/bad/ is laid over a copy of the valid
 * fixture repository (test/fixtures/specs/repo/), the whole copy is validated, and the formatted
 * problems must equal the case's expected.txt line for line (warnings prefixed with `[warning] `).
 * Run `node --import tsx test/spec/corpus.ts <case>` to print a case's actual output.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { formatProblem, validateRepository, type ValidationReport } from '../../src/spec/index.js'

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/specs')
export const BASE_REPO = join(FIXTURES, 'repo')

/** Case folder names under `kind` (bad or good), sorted. */
export function listCases(kind: 'bad' | 'good'): string[] {
  return readdirSync(join(FIXTURES, kind), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
}

/** The report lines a person reads: formatted problems, warnings marked. */
export function reportLines(report: ValidationReport): string[] {
  return report.problems.map((problem) => `${problem.severity === 'warning' ? '[warning] ' : ''}${formatProblem(problem)}`)
}

/** Copies the fixture repository with the case laid over it, validates it, and removes the copy. */
export async function runCase(kind: 'bad' | 'good', name: string): Promise<ValidationReport> {
  const root = mkdtempSync(join(tmpdir(), `modelship-spec-${name}-`))
  try {
    cpSync(BASE_REPO, root, { recursive: true })
    cpSync(join(FIXTURES, kind, name), root, { recursive: true, filter: (source) => !source.endsWith('expected.txt') })
    return await validateRepository(root)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  for (const name of process.argv.slice(2)) {
    const report = await runCase('bad', name)
    console.log(`== ${name}\n${reportLines(report).join('\n')}`)
  }
}
