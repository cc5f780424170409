import assert from 'node:assert/strict'
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { readServeConfig } from '../../src/serve/index.js'
import { cli } from '../cli/train-fixture.js'

const MATRIX = 'test/fixtures/onnx/linear-regression.onnx'

describe('modelship serve: metrics and prediction log flags and keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-serve-flags-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  const refused: Array<[string[], string]> = [
    [['--prediction-log-dir', 'logs', '--prediction-log-sample', '2'], "--prediction-log-sample '2' is not a share between 0 and 1, e.g. 0.1 for one request in ten"],
    [['--prediction-log-dir', 'logs', '--prediction-log-max-age', '5x'], "--prediction-log-max-age '5x' is not a duration; write a whole number and a unit: 30s, 10m, 1h, 1d"],
    [['--prediction-log-sample', '0.5'], '--prediction-log-sample, -max-bytes and -max-age need --prediction-log-dir <dir> (or prediction-log: {dir} in the --config file)'],
    [['--prediction-log-dir', 'logs', '--prediction-log-max-bytes', '10'], "--prediction-log-max-bytes '10' is not a whole number of at least 4096"],
    [['--metrics', 'public'], "option '--metrics' must be one of open, token, off; got 'public'"],
  ]
  for (const [flags, message] of refused) {
    it(`refuses ${flags.join(' ')} before loading anything`, async () => {
      const { code, stderr } = await cli(['serve', '--model', MATRIX, '--port', '0', ...flags], process.cwd())
      assert.equal(code, 2, stderr)
      assert.ok(stderr.startsWith(`modelship serve: ${message}`), stderr)
      assert.equal(stderr.includes('    at '), false, 'no stack trace')
    })
  }

  it('reads prediction-log and metrics from the configuration file, naming a bad key', async () => {
    const good = join(dir, 'good.yaml')
    writeFileSync(good, 'metrics: token\nprediction-log: { dir: logs, sample: 0.25, max-bytes: 1048576, max-age: 10m }\nmodels:\n  - source: model.onnx\n')
    const config = await readServeConfig(good)
    assert.equal(config.metrics, 'token')
    assert.deepEqual(config['prediction-log'], { dir: 'logs', sample: 0.25, 'max-bytes': 1048576, 'max-age': '10m' })
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'prediction-log: { dir: logs, max-age: forever }\n')
    await assert.rejects(readServeConfig(bad), (error: Error) => {
      assert.match(error.message, new RegExp(`^${bad} prediction-log\\.max-age: .*a duration such as 30s, 10m, 1h or 1d`))
      return true
    })
  })
})
