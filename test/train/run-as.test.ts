// Training as another user (MODELSHIP_TRAIN_USER / --run-as): the command runs with that uid, cannot
// read the environment of the process that started it, writes only its own outputs folder and HOME,
// and leaves outputs this runner's user owns again. Switching users needs root, as CI runs the tests;
// a throwaway user is made with useradd and removed at the end.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { resolveTrainUser } from '../../src/train/run-as.js'
import { train } from '../../src/train/train.js'
import { RecordingLogger } from './helpers.js'
import { trainOptions, trainRepo } from './train-fixture.js'

const USER = `mstrain${process.pid}`
const isRoot = process.getuid?.() === 0
const hasUseradd = spawnSync('useradd', ['--help'], { stdio: 'ignore' }).error === undefined
const skip = !isRoot ? 'switching users needs root (CI runs the tests as root)' : !hasUseradd ? 'useradd is not installed' : false
let created = false

before(() => {
  if (skip) return
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { encoding: 'utf8' })
  assert.equal(made.status, 0, `useradd ${USER}: ${made.stderr}`)
  created = true
})
after(() => {
  if (created) spawnSync('userdel', [USER], { stdio: 'ignore' })
})

// What the command can do, from inside: its ids, its parent's environment, the checkout, its outputs.
const WHO = `import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
const attempt = (fn) => { try { fn(); return 'ok' } catch (error) { return error.code } }
const out = process.env.MODELSHIP_OUTPUT_DIR
const info = statSync(out)
writeFileSync(join(out, 'model.onnx'), 'not really onnx')
writeFileSync(join(out, 'who.json'), JSON.stringify({
  uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), home: process.env.HOME, user: process.env.USER,
  parentEnviron: attempt(() => readFileSync('/proc/' + process.ppid + '/environ')),
  writeCheckout: attempt(() => writeFileSync(join(process.cwd(), 'planted.txt'), 'x')),
  outputs: { uid: info.uid, mode: (info.mode & 0o777).toString(8) },
  homeWritable: attempt(() => writeFileSync(join(process.env.HOME, '.cache-test'), 'x')),
}))
`

test('the training command runs as the train user, walled off from the runner, and its outputs come back owned by the runner', { skip }, async () => {
  const root = await trainRepo()
  await writeFile(join(root, 'models', 'churn', 'who.mjs'), WHO)
  // The checkout is readable by everyone, as a runner's workspace is, but writable only by its owner.
  for (const dir of [root, join(root, 'models'), join(root, 'models', 'churn'), join(root, 'data')]) await chmod(dir, 0o755)
  const log = new RecordingLogger()
  const user = await resolveTrainUser(USER)
  const result = await train(trainOptions(root, log, { command: [process.execPath, 'who.mjs'], env: { ...trainOptions(root, log).env, MODELSHIP_TRAIN_USER: USER } }))
  const who = JSON.parse(await readFile(join(result.outputDir, 'who.json'), 'utf8'))
  assert.equal(who.uid, user.uid)
  assert.equal(who.gid, user.gid)
  assert.deepEqual(who.groups, [user.gid], "root's supplementary groups are dropped")
  assert.equal(who.user, USER)
  assert.equal(who.parentEnviron, 'EACCES', "the runner's environment (its tokens) is out of reach")
  assert.equal(who.writeCheckout, 'EACCES')
  assert.deepEqual(who.outputs, { uid: user.uid, mode: '700' })
  assert.equal(who.homeWritable, 'ok')
  assert.match(log.lines.join('\n'), new RegExp(`The training command runs as ${USER} \\(uid ${user.uid}`))
  for (const file of ['', 'model.onnx', 'who.json']) assert.equal((await stat(join(result.outputDir, file))).uid, 0, `${file || 'the outputs folder'} is the runner's again`)
  // The throwaway HOME is gone.
  await assert.rejects(stat(who.home), { code: 'ENOENT' })
})

test('--run-as names the user for one run, and a failed run still gives its folders back', { skip }, async () => {
  const root = await trainRepo()
  for (const dir of [root, join(root, 'models'), join(root, 'models', 'churn'), join(root, 'data')]) await chmod(dir, 0o755)
  const log = new RecordingLogger()
  await assert.rejects(train(trainOptions(root, log, { trainUser: USER, command: [process.execPath, 'trainer.mjs', '--exit', '3'] })), { name: 'TrainError' })
  assert.equal((await stat(join(root, '.modelship', 'checkpoints', 'churn'))).uid, 0)
})

test('a train user that does not exist, is root, or is no user name is refused before anything runs', { skip: isRoot ? false : 'the checks after the root check need root' }, async () => {
  await assert.rejects(resolveTrainUser('modelship-no-such-user'), {
    name: 'TrainError',
    message: "MODELSHIP_TRAIN_USER: there is no user 'modelship-no-such-user' on this runner (id -u modelship-no-such-user failed); create it first, e.g. useradd --system --no-create-home modelship-no-such-user",
  })
  await assert.rejects(resolveTrainUser('root', '--run-as'), { message: "--run-as: 'root' is root (uid 0); name an unprivileged user, e.g. modelship-train" })
  await assert.rejects(resolveTrainUser('a b; rm -rf /'), { message: /^MODELSHIP_TRAIN_USER: 'a b; rm -rf \/' is not a user name/ })
})

test('without root, a train user is refused with the way to get it', { skip: isRoot ? 'runs as root here; the message is for runners that do not' : false }, async () => {
  await assert.rejects(resolveTrainUser('nobody'), { message: /^MODELSHIP_TRAIN_USER=nobody needs modelship train to run as root to switch to that user, but it runs as uid \d+/ })
})
