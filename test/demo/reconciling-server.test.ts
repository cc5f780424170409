// The demo's handle on its server: a server that dies before it listens, or refuses the poke, fails
// the step with what it said; a line is matched whether it came before or after the wait.
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { test } from 'node:test'
import { ReconcilingServer } from '../../src/demo/reconciling-server.js'

// Stand-ins for `modelship serve`: node scripts that get the serve arguments and ignore them.
const dies = [process.execPath, '-e', "process.stderr.write('modelship serve: the clone has no origin\\n'); process.exit(2)"]
const refusesPokes = [
  process.execPath,
  '-e',
  [
    "const server = require('node:http').createServer((req, res) => { res.statusCode = 401; res.end('no token') })",
    "server.listen(0, '127.0.0.1', () => process.stderr.write('serving environment staging from x on http://127.0.0.1:' + server.address().port + '\\nreconciler: in sync with abc1234: demo v0.0.1 100%\\n'))",
    "process.on('SIGTERM', () => process.exit(0))",
  ].join('\n'),
]

test('a server that exits before listening fails the start with its last lines', async () => {
  const children: ChildProcess[] = []
  await assert.rejects(ReconcilingServer.start(dies, '/nowhere', 'staging', (child) => children.push(child)), {
    message: /^modelship serve exited 2 before printing a line matching .*; its last lines:\nmodelship serve: the clone has no origin$/,
  })
  assert.equal(children.length, 1, 'the child was handed over at once, for Ctrl-C')
})

test('a refused poke is an error with the answer; lines printed before a wait still match; stop waits for the exit', async () => {
  const server = await ReconcilingServer.start(refusesPokes, '/nowhere', 'staging', () => undefined)
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(await server.waitFor(/in sync with/), 'reconciler: in sync with abc1234: demo v0.0.1 100%')
  await assert.rejects(server.poke(), { message: 'the server refused the poke with 401: no token' })
  const mark = server.mark
  const never = server.waitFor(/promoted/, mark)
  await server.stop()
  await assert.rejects(never, { message: /^modelship serve exited 0 before printing a line matching \/promoted\// })
  assert.equal(server.child.exitCode, 0)
  await assert.rejects(server.waitFor(/in sync/, mark), /exited 0/, 'a line before the mark does not match')
})
