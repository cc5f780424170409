import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { FIX, findStale, generate, inputsTable, markers, outputsTable, updateReadme } from '../../scripts/generate.js'
import { REPO_ROOT } from '../support/run-action.js'

const manifest = {
  inputs: {
    path: { description: 'Repository root.', required: false, default: '.' },
    'changed-since': { description: 'A ref | or\nnothing.', default: '' },
    token: { description: 'GitHub token.', required: true, deprecationMessage: 'Use github-token.' },
  },
  outputs: { valid: { description: "'true' or 'false'." } },
}

describe('README tables from action.yml', () => {
  test('inputs: name, description (pipes escaped, lines joined), required, default', () => {
    assert.equal(
      inputsTable(manifest),
      [
        '| Input | Description | Required | Default |',
        '| --- | --- | --- | --- |',
        '| `path` | Repository root. | no | `.` |',
        '| `changed-since` | A ref \\| or nothing. | no |  |',
        '| `token` | GitHub token. **Deprecated:** Use github-token. | yes |  |',
        '',
      ].join('\n'),
    )
    assert.equal(outputsTable(manifest), "| Output | Description |\n| --- | --- |\n| `valid` | 'true' or 'false'. |\n")
    assert.equal(inputsTable({}), '_This action has no inputs._\n')
  })

  test('only the text between the markers is replaced, and doing it twice changes nothing', () => {
    const readme = `# A\n\n${markers('inputs').begin}\nold\n${markers('inputs').end}\n\ntext\n\n${markers('outputs').begin}\n${markers('outputs').end}\n`
    const once = updateReadme(readme, manifest, 'actions/a/README.md')
    assert.equal(updateReadme(once, manifest, 'actions/a/README.md'), once)
    assert.ok(once.startsWith(`# A\n\n${markers('inputs').begin}\n\n| Input |`))
    assert.ok(once.includes(`\n\n${markers('inputs').end}\n\ntext\n\n${markers('outputs').begin}\n\n| Output |`))
    assert.ok(!once.includes('old'))
  })

  test('a README without the markers is an error that shows the lines to add', () => {
    assert.throws(
      () => updateReadme('# A\n', manifest, 'actions/a/README.md'),
      new Error(`actions/a/README.md: missing the inputs markers; add these two lines where the table goes:\n${markers('inputs').begin}\n${markers('inputs').end}`),
    )
  })
})

describe('check-generated on a scratch checkout', () => {
  const root = mkdtempSync(join(tmpdir(), 'modelship-generate-'))
  before(async () => {
    for (const part of ['actions', 'schemas', 'scripts', 'src', 'package.json', 'tsconfig.json']) {
      cpSync(join(REPO_ROOT, part), join(root, part), { recursive: true })
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'))
    // Bundles name their sources relative to the checkout; this one's node_modules is a link, so start from its own output.
    await generate(root)
  })
  after(() => rmSync(root, { recursive: true, force: true }))

  test('an up-to-date checkout has nothing stale, even with Windows line endings in a README', async () => {
    const readme = join(root, 'actions/validate/README.md')
    const original = readFileSync(readme, 'utf8')
    writeFileSync(readme, original.replace(/\n/g, '\r\n'))
    try {
      assert.deepEqual(await findStale(root), [])
    } finally {
      writeFileSync(readme, original)
    }
  })

  test('every kind of staleness is listed with the fix, and generate repairs it', async () => {
    const readme = join(root, 'actions/validate/README.md')
    writeFileSync(readme, readFileSync(readme, 'utf8').replace('| `path` |', '| `root` |'))
    writeFileSync(join(root, 'dist/actions/removed-action.cjs'), 'old\n')
    unlinkSync(join(root, 'schemas/model.schema.json'))
    const bundle = join(root, 'dist/actions/validate.cjs')
    writeFileSync(bundle, `${readFileSync(bundle, 'utf8')}// edited by hand\n`)

    const check = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/generate.ts'), '--check', '--root', root], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
    assert.equal(check.status, 1)
    assert.equal(
      check.stderr,
      [
        '4 generated files are stale:',
        `  actions/validate/README.md (differs): ${FIX}`,
        `  dist/actions/removed-action.cjs (not generated): ${FIX}`,
        `  dist/actions/validate.cjs (differs): ${FIX}`,
        `  schemas/model.schema.json (missing): ${FIX}`,
        '',
      ].join('\n'),
    )

    const fixed = await generate(root)
    assert.equal(fixed.length, 4)
    assert.deepEqual(await findStale(root), [])
  })
})
