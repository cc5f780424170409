import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { pinInternalReferences, unpinnedReferences } from '../../scripts/release.mjs'
import { REPO_ROOT } from '../support/run-action.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const SCRIPT = join(REPO_ROOT, 'scripts', 'release.mjs')

test('pinning rewrites every internal reference to the release SHA, keeps the tag as a comment, and leaves others alone', () => {
  const text = [
    '      - uses: modelship-dev/modelship/actions/train@v0',
    "        uses: 'modelship-dev/modelship/.github/workflows/modelship-pr.yml@v0'",
    '      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8 # v6.0.1',
    `      - uses: modelship-dev/modelship/actions/report@${SHA} # v0`,
  ].join('\n')
  assert.deepEqual(unpinnedReferences(text), ['1: - uses: modelship-dev/modelship/actions/train@v0', "2: uses: 'modelship-dev/modelship/.github/workflows/modelship-pr.yml@v0'"])
  const pinned = pinInternalReferences(text, SHA)
  assert.equal(
    pinned,
    [
      `      - uses: modelship-dev/modelship/actions/train@${SHA} # v0`,
      `        uses: 'modelship-dev/modelship/.github/workflows/modelship-pr.yml@${SHA}' # v0`,
      '      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8 # v6.0.1',
      `      - uses: modelship-dev/modelship/actions/report@${SHA} # v0`,
    ].join('\n'),
  )
  assert.deepEqual(unpinnedReferences(pinned), [])
  assert.throws(() => pinInternalReferences(text, 'v0'), /'v0' is not a full commit SHA/)
})

test('the release step pins every published workflow, and check fails on an unpinned one', () => {
  const out = mkdtempSync(join(tmpdir(), 'modelship-release-'))
  try {
    const pin = spawnSync(process.execPath, [SCRIPT, 'pin', SHA, '--out', out], { encoding: 'utf8' })
    assert.equal(pin.status, 0, pin.stderr)
    assert.match(pin.stdout, /^pinned \d+ internal reference\(s\)/)
    const published = readdirSync(join(REPO_ROOT, '.github', 'workflows')).filter((name) => name.endsWith('.yml')).sort()
    assert.deepEqual(readdirSync(out).sort(), published)
    assert.equal(spawnSync(process.execPath, [SCRIPT, 'check', out]).status, 0)
    for (const name of published) {
      assert.equal(readFileSync(join(out, name), 'utf8').split(`@${SHA} # v0`).length - 1, unpinnedReferences(readFileSync(join(REPO_ROOT, '.github', 'workflows', name), 'utf8')).length)
    }
    writeFileSync(join(out, 'extra.yml'), 'jobs:\n  a:\n    uses: modelship-dev/modelship/.github/workflows/modelship-pr.yml@main\n')
    const check = spawnSync(process.execPath, [SCRIPT, 'check', out], { encoding: 'utf8' })
    assert.equal(check.status, 1)
    assert.match(check.stderr, /not pinned to a SHA: .*extra\.yml:3: uses: modelship-dev\/modelship\/\.github\/workflows\/modelship-pr\.yml@main/)
    const bad = spawnSync(process.execPath, [SCRIPT, 'pin', 'main', '--out', out], { encoding: 'utf8' })
    assert.equal(bad.status, 1)
    assert.match(bad.stderr, /'main' is not a full commit SHA/)
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})
