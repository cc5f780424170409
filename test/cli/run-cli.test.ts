import assert from 'node:assert/strict'
import { test } from 'node:test'
import { defineCommand, type CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run-cli.js'
import { ModelshipError } from '../../src/errors.js'
import packageJson from '../../package.json' with { type: 'json' }

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    cwd: '/repo',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
  }
  return io
}

const calls: unknown[] = []
const greet = defineCommand({
  name: 'greet',
  summary: 'say hello',
  usage: '[names...] [options]',
  description: 'Greets people.',
  arguments: [{ name: 'names', description: 'who to greet' }],
  options: {
    format: { type: 'string', valueName: '<text|json>', choices: ['text', 'json'], default: 'text', description: 'output format' },
    'changed-since': { type: 'string', valueName: '<ref>', description: 'only what changed' },
    loud: { type: 'boolean', short: 'l', description: 'shout' },
  },
  examples: ['modelship greet ada --loud'],
  async run({ values, positionals }, io) {
    calls.push({ values, positionals })
    if (positionals[0] === 'fail') throw new ModelshipError('greeting failed: no such person')
    if (positionals[0] === 'bug') throw new TypeError('boom')
    io.out(`hello ${positionals.join(' ')}\n`)
    return 0
  },
})
const train = defineCommand({ name: 'train', summary: 'train a model', usage: '<model>', description: 'Trains.', options: {}, maxPositionals: 1, async run() { return 0 } })
const COMMANDS = [greet, train]

test('a command gets its options parsed, defaults applied, and its exit code returned', async () => {
  const io = capture()
  calls.length = 0
  assert.equal(await runCli(['greet', 'ada', '-l', '--changed-since', 'origin/main', 'bob'], io, COMMANDS), 0)
  assert.equal(io.stdout, 'hello ada bob\n')
  assert.deepEqual(calls[0], {
    values: { format: 'text', 'changed-since': 'origin/main', loud: true, help: undefined },
    positionals: ['ada', 'bob'],
  })
})

test('--version prints the package version', async () => {
  const io = capture()
  assert.equal(await runCli(['--version'], io, COMMANDS), 0)
  assert.equal(io.stdout, `${packageJson.version}\n`)
})

test('--help lists every command', async () => {
  const io = capture()
  assert.equal(await runCli(['--help'], io, COMMANDS), 0)
  assert.match(io.stdout, /^modelship: GitOps for machine learning on GitHub Actions\n\nUsage: modelship <command> \[options\]\n\nCommands:\n {2}greet {2}say hello\n {2}train {2}train a model\n/)
})

test('<command> --help and help <command> print the command help', async () => {
  const expected = [
    'Usage: modelship greet [names...] [options]',
    '',
    'Greets people.',
    '',
    'Arguments:',
    '  names  who to greet',
    '',
    'Options:',
    '      --format <text|json>   output format (default: text)',
    '      --changed-since <ref>  only what changed',
    '  -l, --loud                 shout',
    '  -h, --help                 show this help',
    '',
    'Examples:',
    '  modelship greet ada --loud',
    '',
  ].join('\n')
  for (const argv of [['greet', '--help'], ['greet', 'ada', '-h'], ['help', 'greet']]) {
    const io = capture()
    assert.equal(await runCli(argv, io, COMMANDS), 0)
    assert.equal(io.stdout, expected)
  }
})

test('an unknown command exits 2 with a did-you-mean and the usage', async () => {
  const io = capture()
  assert.equal(await runCli(['gret'], io, COMMANDS), 2)
  assert.match(io.stderr, /^modelship: unknown command 'gret'; did you mean 'greet'\?\n\nmodelship: GitOps/)
  assert.equal(io.stdout, '')
})

test('no command at all is a usage error', async () => {
  const io = capture()
  assert.equal(await runCli([], io, COMMANDS), 2)
  assert.match(io.stderr, /^modelship: missing command\n/)
})

test('an unknown option exits 2 naming it, suggesting the closest, with the usage line', async () => {
  const io = capture()
  assert.equal(await runCli(['greet', '--formt', 'json'], io, COMMANDS), 2)
  assert.equal(
    io.stderr,
    "modelship greet: unknown option '--formt'; did you mean '--format'?\n\nUsage: modelship greet [names...] [options]\nRun 'modelship greet --help' for the options.\n",
  )
})

test('an unknown global option is a usage error too', async () => {
  const io = capture()
  assert.equal(await runCli(['--verison'], io, COMMANDS), 2)
  assert.match(io.stderr, /^modelship: unknown option '--verison'; did you mean '--version'\?/)
})

test('bad option values and extra arguments are usage errors with the value shown', async () => {
  const cases: [string[], string][] = [
    [['greet', '--format', 'jsn'], "option '--format' must be one of text, json; got 'jsn'; did you mean 'json'?"],
    [['greet', '--format'], "option '--format' needs a value <text|json>"],
    [['greet', '--loud=yes'], "option '--loud' is a flag and takes no value; got 'yes'"],
    [['train', 'a', 'b'], "too many arguments: 'b'; 'modelship train' takes at most 1"],
  ]
  for (const [argv, message] of cases) {
    const io = capture()
    assert.equal(await runCli(argv, io, COMMANDS), 2, argv.join(' '))
    assert.equal(io.stderr.split('\n')[0], `modelship ${argv[0]}: ${message}`)
  }
})

test('a user error exits 1 with its message and no stack', async () => {
  const io = capture()
  assert.equal(await runCli(['greet', 'fail'], io, COMMANDS), 1)
  assert.equal(io.stderr, 'modelship greet: greeting failed: no such person\n')
})

test('an unexpected error exits 1 and shows the stack', async () => {
  const io = capture()
  assert.equal(await runCli(['greet', 'bug'], io, COMMANDS), 1)
  assert.match(io.stderr, /^modelship greet: unexpected error \(a bug in Modelship; please report it with this output\):\nTypeError: boom\n {4}at /)
})
