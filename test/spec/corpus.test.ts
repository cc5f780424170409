import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { FIXTURES, listCases, reportLines, runCase } from './corpus.js'

describe('bad-input corpus (test/fixtures/specs/bad)', () => {
  const cases = listCases('bad')

  it('holds at least 45 cases', () => {
    assert.ok(cases.length >= 45, `only ${cases.length} cases`)
  })

  for (const name of cases) {
    it(name, async () => {
      const expected = readFileSync(join(FIXTURES, 'bad', name, 'expected.txt'), 'utf8').trimEnd().split('\n')
      const report = await runCase('bad', name)
      assert.deepEqual(reportLines(report), expected)
      const onlyWarnings = expected.every((line) => line.startsWith('[warning] '))
      assert.equal(report.valid, onlyWarnings)
    })
  }
})

describe('valid specs (test/fixtures/specs/good and repo)', () => {
  it('the fixture repository itself is valid', async () => {
    const report = await runCase('good', 'minimal')
    assert.deepEqual(
      report.models.map((model) => [model.file, model.name, model.spec !== undefined]),
      [
        ['models/churn/model.yaml', 'churn', true],
        ['models/minimal/model.yaml', 'minimal', true],
        ['models/prices/model.yaml', 'prices', true],
      ],
    )
    assert.deepEqual(
      report.environments.map((environment) => [environment.file, environment.name, environment.spec !== undefined]),
      [
        ['deploy/production.yaml', 'production', true],
        ['deploy/staging.yaml', 'staging', true],
      ],
    )
  })

  for (const name of listCases('good')) {
    it(name, async () => {
      const report = await runCase('good', name)
      assert.deepEqual(reportLines(report), [])
      assert.equal(report.valid, true)
    })
  }
})
