import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, readFile, symlink, writeFile } from 'node:fs/promises'
import { delimiter, dirname, join } from 'node:path'
import { describe, it, test } from 'node:test'
import { TrainError } from '../../src/errors.js'
import { hasRequirements, planEnvironment, versionMatches, withoutModelshipNpmConfig } from '../../src/train/environments.js'
import { FIXTURES, RecordingLogger, tempDir } from './helpers.js'

const hasPython = spawnSync('python3', ['--version']).status === 0
const noPython = hasPython ? false : 'python3 is not on PATH'
const noUv = !hasPython ? 'python3 is not on PATH' : spawnSync('uv', ['--version']).status === 0 ? false : 'uv is not on PATH (pip install uv)'
// The node running these tests comes first, so `node --version` answers with its version.
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}` }

describe('versionMatches', () => {
  it('matches a version by its leading parts', () => {
    assert.equal(versionMatches('3.11.7', '3.11'), true)
    assert.equal(versionMatches('3.11.7', '3'), true)
    assert.equal(versionMatches('3.11.7', '3.11.7'), true)
    assert.equal(versionMatches('v20.11.1', '20'), true)
    assert.equal(versionMatches('20.11.1', 'v20.11'), true)
    assert.equal(versionMatches('3.110.1', '3.11'), false)
    assert.equal(versionMatches('3.1.0', '3.11'), false)
  })
})

describe('hasRequirements', () => {
  it('ignores blank lines and comments', () => {
    assert.equal(hasRequirements('# pinned below\n\n   # nothing yet\n'), false)
    assert.equal(hasRequirements('numpy==1.26.4  # fast arrays\n'), true)
    assert.equal(hasRequirements('-r base.txt\n'), true)
  })
})

describe('planEnvironment: none', () => {
  it('adds nothing to PATH and still has a key', async () => {
    const plan = await planEnvironment({ kind: 'none' }, { workingDirectory: '.', stateDir: '.', env })
    const prepared = await plan.prepare(new RecordingLogger())
    assert.deepEqual(prepared.pathPrefix, [])
    assert.match(prepared.facts.key, /^[0-9a-f]{64}$/)
    assert.equal(prepared.facts.platform, `${process.platform}-${process.arch}`)
  })
})

describe('planEnvironment: python', { skip: noPython }, () => {
  it('builds a virtualenv for an empty requirements file once, then reuses it', async () => {
    const state = await tempDir()
    const work = join(FIXTURES, 'python-project')
    const log = new RecordingLogger()
    const options = { kind: 'python' as const, requirements: 'requirements-empty.txt' }
    const plan = await planEnvironment(options, { workingDirectory: work, stateDir: state, env })
    const prepared = await plan.prepare(log)
    const facts = prepared.facts.python!
    assert.match(facts.version, /^3\.\d+\.\d+$/)
    assert.equal(facts.requirements, 'requirements-empty.txt')
    const text = await readFile(join(work, 'requirements-empty.txt'))
    assert.equal(facts.requirementsSha256, createHash('sha256').update(text).digest('hex'))
    assert.deepEqual(facts.packages, [])
    assert.equal(dirname(facts.venv), join(state, 'envs'))
    assert.deepEqual(prepared.pathPrefix, [join(facts.venv, 'bin')])
    assert.deepEqual(prepared.variables, { VIRTUAL_ENV: facts.venv })
    // The venv's python is the one a command finds first on PATH.
    const which = spawnSync('python', ['-c', 'import sys; print(sys.prefix)'], {
      env: { ...env, PATH: `${prepared.pathPrefix[0]}${delimiter}${env.PATH}` },
      encoding: 'utf8',
    })
    assert.equal(which.stdout.trim(), facts.venv)
    assert.ok(log.lines.some((line) => line.startsWith('info: Creating the Python environment')), log.lines.join('\n'))

    const again = new RecordingLogger()
    const replanned = await planEnvironment(options, { workingDirectory: work, stateDir: state, env })
    assert.equal(replanned.facts.key, plan.facts.key)
    await replanned.prepare(again)
    assert.ok(again.lines.some((line) => line.startsWith('info: Reusing the Python environment')), again.lines.join('\n'))
    assert.ok(!again.lines.some((line) => line.startsWith('info: Creating')))
  })

  it('installs the requirements with pip and records pip freeze', async () => {
    const state = await tempDir()
    const work = await tempDir()
    await cp(join(FIXTURES, 'python-project'), work, { recursive: true })
    const log = new RecordingLogger()
    const plan = await planEnvironment({ kind: 'python', requirements: 'requirements.txt' }, { workingDirectory: work, stateDir: state, env, installer: 'pip' })
    const prepared = await plan.prepare(log)
    assert.equal(prepared.facts.python?.packages.length, 1)
    assert.match(prepared.facts.python!.packages[0]!, /^modelship-tiny @ file:\/\/.*modelship_tiny-0\.1\.0-py3-none-any\.whl/)
    assert.equal(prepared.facts.python?.installer, 'pip')
    assert.ok(log.printed.some((line) => line.includes('Successfully installed modelship-tiny-0.1.0')), log.printed.join('\n'))
    const marker = JSON.parse(await readFile(join(prepared.facts.python!.venv, '.modelship-ready.json'), 'utf8'))
    assert.deepEqual(marker, { key: plan.facts.key, packages: prepared.facts.python!.packages, installer: 'pip' })
  })

  it('installs with uv when it is on PATH, records its freeze, and reuses the environment after', { skip: noUv }, async () => {
    const state = await tempDir()
    const work = await tempDir()
    await cp(join(FIXTURES, 'python-project'), work, { recursive: true })
    // uv's cache in a folder of the test's own, so the test neither reads nor fills the user's.
    const uvEnv = { ...env, UV_CACHE_DIR: join(state, 'uv-cache') }
    const log = new RecordingLogger()
    const plan = await planEnvironment({ kind: 'python', requirements: 'requirements.txt' }, { workingDirectory: work, stateDir: state, env: uvEnv })
    const prepared = await plan.prepare(log)
    const facts = prepared.facts.python!
    assert.equal(facts.installer, 'uv')
    assert.equal(facts.packages.length, 1)
    assert.match(facts.packages[0]!, /^modelship-tiny @ file:\/\/.*modelship_tiny-0\.1\.0-py3-none-any\.whl/)
    assert.ok(log.lines.includes(`info: Creating the Python environment ${facts.venv} with uv`), log.lines.join('\n'))
    const imported = spawnSync(join(facts.venv, 'bin', 'python'), ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' })
    assert.equal(imported.stdout.trim(), facts.venv)
    // The key does not depend on the installer: a pip-built environment and a uv-built one are the same requirements.
    const pipPlan = await planEnvironment({ kind: 'python', requirements: 'requirements.txt' }, { workingDirectory: work, stateDir: state, env: uvEnv, installer: 'pip' })
    assert.equal(pipPlan.facts.key, plan.facts.key)
    const again = new RecordingLogger()
    const reused = await (await planEnvironment({ kind: 'python', requirements: 'requirements.txt' }, { workingDirectory: work, stateDir: state, env: uvEnv })).prepare(again)
    assert.equal(reused.facts.python?.installer, 'uv')
    assert.ok(again.lines.some((line) => line.startsWith('info: Reusing the Python environment')), again.lines.join('\n'))
  })

  it('fails with uv output when uv cannot install a requirement', { skip: noUv }, async () => {
    const state = await tempDir()
    const work = await tempDir()
    await writeFile(join(work, 'requirements.txt'), './missing-0.1.0-py3-none-any.whl\n')
    const plan = await planEnvironment(
      { kind: 'python', requirements: 'requirements.txt' },
      { workingDirectory: work, stateDir: state, env: { ...env, UV_CACHE_DIR: join(state, 'uv-cache') }, installer: 'uv' },
    )
    await assert.rejects(plan.prepare(new RecordingLogger()), (error: unknown) => {
      assert.ok(error instanceof TrainError)
      assert.match(error.message, /^train\.environment: uv could not install the requirements \(uv pip install --python \S+ -r \S+requirements\.txt: exit code \d+\)\. Last lines of its output:\n/)
      assert.match(error.message, /missing-0\.1\.0-py3-none-any\.whl/)
      return true
    })
  })

  it('refuses an installer variable naming neither uv nor pip, and uv asked for where there is none', async () => {
    const state = await tempDir()
    const work = join(FIXTURES, 'python-project')
    const plan = await planEnvironment({ kind: 'python', requirements: 'requirements.txt' }, { workingDirectory: work, stateDir: state, env: { ...env, MODELSHIP_PYTHON_INSTALLER: 'conda' } })
    await assert.rejects(
      plan.prepare(new RecordingLogger()),
      new TrainError("MODELSHIP_PYTHON_INSTALLER is 'conda'; expected 'uv' or 'pip' (or unset: uv when it is on PATH, else pip)"),
    )
    // A PATH with python3 alone on it: uv is not there.
    const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim()
    const bin = await tempDir()
    await symlink(python, join(bin, 'python3'))
    const bare = { ...env, PATH: bin, MODELSHIP_PYTHON_INSTALLER: 'uv' }
    const noUvPlan = await planEnvironment({ kind: 'python', requirements: 'requirements.txt' }, { workingDirectory: work, stateDir: state, env: bare })
    await assert.rejects(
      noUvPlan.prepare(new RecordingLogger()),
      new TrainError("MODELSHIP_PYTHON_INSTALLER is 'uv' but uv is not on PATH; install it (pip install uv, or astral-sh/setup-uv on a runner) or unset MODELSHIP_PYTHON_INSTALLER"),
    )
  })

  it('changes the key when the requirements change', async () => {
    const work = await tempDir()
    await writeFile(join(work, 'requirements.txt'), '# a\n')
    const context = { workingDirectory: work, stateDir: work, env }
    const first = await planEnvironment({ kind: 'python', requirements: 'requirements.txt' }, context)
    await writeFile(join(work, 'requirements.txt'), '# b\n')
    const second = await planEnvironment({ kind: 'python', requirements: 'requirements.txt' }, context)
    assert.notEqual(first.facts.key, second.facts.key)
  })

  it('fails with pip output when a requirement cannot be installed', async () => {
    const state = await tempDir()
    const work = await tempDir()
    await writeFile(join(work, 'requirements.txt'), './missing-0.1.0-py3-none-any.whl\n')
    const plan = await planEnvironment({ kind: 'python', requirements: 'requirements.txt' }, { workingDirectory: work, stateDir: state, env, installer: 'pip' })
    await assert.rejects(plan.prepare(new RecordingLogger()), (error: unknown) => {
      assert.ok(error instanceof TrainError)
      assert.match(
        error.message,
        /^train\.environment: pip could not install the requirements \(\S+ -m pip --python \S+ install --disable-pip-version-check --no-input -r \S+requirements\.txt: exit code 1\)\. Last lines of its output:\n/,
      )
      assert.match(error.message, /missing-0\.1\.0-py3-none-any\.whl/)
      return true
    })
  })

  it('names the missing requirements file', async () => {
    const work = await tempDir()
    await assert.rejects(
      planEnvironment({ kind: 'python', requirements: 'reqs.txt' }, { workingDirectory: work, stateDir: work, env }),
      new TrainError(
        `train.environment.requirements: 'reqs.txt' was not found in the working directory (${join(work, 'reqs.txt')}); ` +
          'add the file or fix the path (it is relative to train.working-directory)',
      ),
    )
  })

  it('says which Python it found when the version does not match', async () => {
    await assert.rejects(
      planEnvironment({ kind: 'python', version: '2.7' }, { workingDirectory: '.', stateDir: '.', env }),
      (error: unknown) => {
        assert.ok(error instanceof TrainError)
        assert.match(
          error.message,
          /^train\.environment\.python: wants Python 2\.7 but found python3 3\.\d+\.\d+ \(\S+\)(, python 3\.\d+\.\d+ \(\S+\))?; install 2\.7 on the runner \(actions\/setup-python with python-version: '2\.7'\) or change train\.environment\.python$/,
        )
        return true
      },
    )
  })

  it('says how to install Python when there is none', async () => {
    const empty = await tempDir()
    await assert.rejects(
      planEnvironment({ kind: 'python', version: '3.11' }, { workingDirectory: empty, stateDir: empty, env: { PATH: empty } }),
      new TrainError(
        'train.environment.python: no Python interpreter on PATH (looked for python3.11, python3, python); install Python on the ' +
          "runner, e.g. a step 'uses: actions/setup-python' with python-version: '3.11' before training",
      ),
    )
  })
})

describe('planEnvironment: node', () => {
  const major = process.versions.node.split('.')[0]!

  it('accepts the node on PATH when its version matches', async () => {
    const work = await tempDir()
    const plan = await planEnvironment({ kind: 'node', version: major }, { workingDirectory: work, stateDir: work, env })
    assert.deepEqual(plan.facts.node, { version: process.versions.node })
  })

  it('names both versions when node does not match', async () => {
    const work = await tempDir()
    await assert.rejects(
      planEnvironment({ kind: 'node', version: '8' }, { workingDirectory: work, stateDir: work, env }),
      new TrainError(
        `train.environment.node: wants Node.js 8 but node on PATH is ${process.versions.node}; install 8 on the runner ` +
          "(actions/setup-node with node-version: '8') or change train.environment.node",
      ),
    )
  })

  it('runs npm ci when a package-lock.json is there, and not again while it is unchanged', async () => {
    const work = await tempDir()
    await writeFile(join(work, 'package.json'), '{"name":"trainer","version":"1.0.0","private":true}\n')
    await writeFile(
      join(work, 'package-lock.json'),
      JSON.stringify({ name: 'trainer', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'trainer', version: '1.0.0' } } }),
    )
    const context = { workingDirectory: work, stateDir: work, env }
    const log = new RecordingLogger()
    const plan = await planEnvironment({ kind: 'node' }, context)
    const prepared = await plan.prepare(log)
    assert.match(prepared.facts.node?.lockfileSha256 ?? '', /^[0-9a-f]{64}$/)
    assert.ok(log.lines.includes('info: Installing dependencies with npm ci'), log.lines.join('\n'))
    const marker = JSON.parse(await readFile(join(work, 'node_modules', '.modelship-env.json'), 'utf8'))
    assert.deepEqual(marker, { key: plan.facts.key })

    const again = new RecordingLogger()
    await (await planEnvironment({ kind: 'node' }, context)).prepare(again)
    assert.deepEqual(again.lines, ['info: Reusing node_modules (package-lock.json and Node.js unchanged)'])
  })

  it('fails when npm ci fails', async () => {
    const work = await tempDir()
    await writeFile(join(work, 'package.json'), '{"name":"trainer","version":"1.0.0","private":true,"dependencies":{"left-pad":"1.3.0"}}\n')
    await writeFile(
      join(work, 'package-lock.json'),
      JSON.stringify({ name: 'trainer', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'trainer', version: '1.0.0' } } }),
    )
    const plan = await planEnvironment({ kind: 'node' }, { workingDirectory: work, stateDir: work, env })
    await assert.rejects(plan.prepare(new RecordingLogger()), /^TrainError: train\.environment: npm ci failed \(npm ci --no-audit --no-fund: exit code 1\)\. Last lines of its output:\n/)
  })
})

test("npm ci in a Node environment does not inherit ignore-scripts from 'npm run modelship' in Modelship's clone", () => {
  const fromClone = { npm_package_name: 'modelship', npm_config_ignore_scripts: 'true', npm_config_registry: 'https://registry.example', PATH: '/bin' }
  assert.deepEqual(withoutModelshipNpmConfig(fromClone), { npm_package_name: 'modelship', npm_config_registry: 'https://registry.example', PATH: '/bin' })
  // A user's own npm run (another package) keeps whatever it set.
  const fromUser = { npm_package_name: 'trainer', npm_config_ignore_scripts: 'true' }
  assert.equal(withoutModelshipNpmConfig(fromUser), fromUser)
})
