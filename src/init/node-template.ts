/**
 * The Node training script `modelship init` writes (and the demo's model trains with): plain
 * Node.js, no packages. It reads a CSV, fits logistic regression (two classes), softmax regression
 * (more) or least squares (a number) by full-batch gradient descent on standardised numeric
 * features, and writes the fit as an ONNX graph it encodes itself (protobuf is a few field kinds):
 * one float input [N, F] in spec order; classifiers output `label` [N] and `probabilities` [N, C].
 */

/** train.mjs. Kept free of template literals so it can live in this string as written. */
export const NODE_TRAIN_SCRIPT = String.raw`// Train this model in plain Node.js and export it to ONNX (written by modelship init; make it yours).
//
// Run by modelship train as: node train.mjs --task <task> --target <column> --features a,b,c
// It reads MODELSHIP_TRAIN_DATA (CSV), MODELSHIP_PARAMS ({"epochs", "learning_rate", "l2"}) and
// writes model.onnx and metrics.json into MODELSHIP_OUTPUT_DIR. Numeric features only: for text
// columns use train.py (scikit-learn one-hot encodes them), or encode them as numbers first.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({ options: { task: { type: 'string' }, target: { type: 'string' }, features: { type: 'string' } } })
if (!args.task || !args.target || !args.features) fail('usage: node train.mjs --task <task> --target <column> --features a,b,c')
const features = args.features.split(',')
const params = JSON.parse(process.env.MODELSHIP_PARAMS || '{}')
const trainPath = process.env.MODELSHIP_TRAIN_DATA || fail('MODELSHIP_TRAIN_DATA is not set; run this through modelship train')
const outDir = process.env.MODELSHIP_OUTPUT_DIR || 'outputs'

function fail(message) {
  console.error('train.mjs: ' + message)
  process.exit(1)
}

// --- data -----------------------------------------------------------------------------------
function parseCsv(text) {
  const rows = []
  let row = [], field = '', quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ }
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field); field = ''
      if (row.length > 1 || row[0] !== '') rows.push(row)
      row = []
    } else field += c
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row) }
  return rows
}

if (!trainPath.toLowerCase().endsWith('.csv')) fail(trainPath + ' is not a CSV file; this script reads CSV only (train.py reads Parquet and Arrow too)')
const [header, ...body] = parseCsv(readFileSync(trainPath, 'utf8'))
const index = (name) => {
  const at = header.indexOf(name)
  if (at < 0) fail(trainPath + ": no column '" + name + "'; the file has " + header.join(', '))
  return at
}
const featureAt = features.map(index)
const targetAt = index(args.target)
const x = body.map((row, r) => featureAt.map((at, f) => {
  const value = Number(row[at])
  if (row[at] === '' || !Number.isFinite(value)) fail(trainPath + ' row ' + (r + 2) + ": '" + features[f] + "' is '" + row[at] + "', not a number (this script takes numeric features only)")
  return value
}))
const n = x.length, width = features.length
if (n === 0) fail(trainPath + ' has no rows')

// Standardise for the fit; the scaling is folded back into the exported weights.
const mean = features.map((_, f) => x.reduce((s, row) => s + row[f], 0) / n)
const std = features.map((_, f) => Math.sqrt(x.reduce((s, row) => s + (row[f] - mean[f]) ** 2, 0) / n) || 1)
const z = x.map((row) => row.map((v, f) => (v - mean[f]) / std[f]))

const regression = args.task === 'regression'
const rawTarget = body.map((row) => row[targetAt])
const numericClasses = rawTarget.every((v) => v !== '' && Number.isFinite(Number(v)))
const classes = regression ? [] : [...new Set(rawTarget)].map((v) => (numericClasses ? Number(v) : v)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
const outputs = regression ? 1 : classes.length === 2 ? 1 : classes.length
const y = regression ? rawTarget.map(Number) : rawTarget.map((v) => classes.indexOf(numericClasses ? Number(v) : v))

// --- fit --------------------------------------------------------------------------------------
const epochs = params.epochs ?? 300, rate = params.learning_rate ?? 0.5, l2 = params.l2 ?? 1e-4
const w = Array.from({ length: width }, () => new Array(outputs).fill(0))
const b = new Array(outputs).fill(regression ? y.reduce((s, v) => s + v, 0) / n : 0)
const scores = (row) => b.map((bias, k) => row.reduce((s, v, f) => s + v * w[f][k], bias))
const softmax = (s) => { const m = Math.max(...s), e = s.map((v) => Math.exp(v - m)), t = e.reduce((a, v) => a + v, 0); return e.map((v) => v / t) }
const predict = (row) => {
  const s = scores(row)
  if (regression) return s
  if (outputs === 1) return [1 / (1 + Math.exp(-s[0]))]
  return softmax(s)
}
for (let epoch = 0; epoch < epochs; epoch++) {
  const gw = Array.from({ length: width }, () => new Array(outputs).fill(0)), gb = new Array(outputs).fill(0)
  for (let i = 0; i < n; i++) {
    const p = predict(z[i])
    for (let k = 0; k < outputs; k++) {
      // For all three losses the gradient of the score is prediction minus truth.
      const truth = regression ? y[i] : outputs === 1 ? y[i] : y[i] === k ? 1 : 0
      const g = (p[k] - truth) / n
      gb[k] += g
      for (let f = 0; f < width; f++) gw[f][k] += g * z[i][f]
    }
  }
  const step = regression ? rate * 0.1 : rate
  for (let k = 0; k < outputs; k++) {
    b[k] -= step * gb[k]
    for (let f = 0; f < width; f++) w[f][k] -= step * (gw[f][k] + l2 * w[f][k])
  }
}
let metric
if (regression) {
  const avg = y.reduce((s, v) => s + v, 0) / n
  const ssRes = z.reduce((s, row, i) => s + (predict(row)[0] - y[i]) ** 2, 0), ssTot = y.reduce((s, v) => s + (v - avg) ** 2, 0)
  metric = { r2: 1 - ssRes / (ssTot || 1) }
} else {
  const right = z.filter((row, i) => { const p = predict(row); const k = outputs === 1 ? (p[0] >= 0.5 ? 1 : 0) : p.indexOf(Math.max(...p)); return k === y[i] }).length
  metric = { accuracy: right / n }
}
// Raw-feature weights: w' = w / std, b' = b - sum(w * mean / std).
const W = w.map((row, f) => row.map((v) => v / std[f]))
const B = b.map((bias, k) => bias - w.reduce((s, row, f) => s + (row[k] * mean[f]) / std[f], 0))

// --- ONNX (protobuf by hand) -------------------------------------------------------------------
const bytes = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))))
function varint(value) {
  let v = BigInt(value); const out = []
  if (v < 0n) v += 1n << 64n
  do { let byte = Number(v & 0x7fn); v >>= 7n; if (v) byte |= 0x80; out.push(byte) } while (v)
  return Buffer.from(out)
}
const key = (field, type) => varint((field << 3) | type)
const int = (field, value) => bytes(key(field, 0), varint(value))
const len = (field, payload) => { const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8'); return bytes(key(field, 2), varint(p.length), p) }
const FLOAT = 1, INT64 = 7, STRING = 8
function tensor(name, type, dims, values) {
  const parts = dims.map((d) => int(1, d))
  parts.push(int(2, type))
  if (type === FLOAT) { const f = Buffer.alloc(values.length * 4); values.forEach((v, i) => f.writeFloatLE(v, i * 4)); parts.push(len(9, f)) }
  else if (type === INT64) parts.push(len(7, Buffer.concat(values.map(varint))))
  else values.forEach((v) => parts.push(len(6, String(v))))
  parts.push(len(8, name))
  return bytes(...parts)
}
const attribute = (name, value) => bytes(len(1, name), int(3, value), int(20, 2))
const node = (op, inputs, outputs, attributes = []) => bytes(...inputs.map((i) => len(1, i)), ...outputs.map((o) => len(2, o)), len(4, op), ...attributes.map((a) => len(5, a)))
const dim = (d) => len(1, typeof d === 'number' ? int(1, d) : len(2, d))
const valueInfo = (name, type, dims) => bytes(len(1, name), len(2, len(1, bytes(int(1, type), len(2, bytes(...dims.map(dim)))))))

const nodes = [node('MatMul', ['input', 'W'], ['scores']), node('Add', ['scores', 'B'], ['logits'])]
const initializers = [tensor('W', FLOAT, [width, outputs], W.flat()), tensor('B', FLOAT, [outputs], B)]
let graphOutputs
if (regression) {
  nodes.push(node('Identity', ['logits'], ['variable']))
  graphOutputs = [valueInfo('variable', FLOAT, ['N', 1])]
} else {
  if (outputs === 1) {
    initializers.push(tensor('one', FLOAT, [], [1]))
    nodes.push(node('Sigmoid', ['logits'], ['p1']), node('Sub', ['one', 'p1'], ['p0']), node('Concat', ['p0', 'p1'], ['probabilities'], [attribute('axis', 1)]))
  } else nodes.push(node('Softmax', ['logits'], ['probabilities'], [attribute('axis', 1)]))
  const labelType = numericClasses ? INT64 : STRING
  initializers.push(tensor('classes', labelType, [classes.length], classes))
  nodes.push(node('ArgMax', ['probabilities'], ['best'], [attribute('axis', 1), attribute('keepdims', 0)]), node('Gather', ['classes', 'best'], ['label']))
  graphOutputs = [valueInfo('label', labelType, ['N']), valueInfo('probabilities', FLOAT, ['N', classes.length])]
}
const graph = bytes(...nodes.map((n) => len(1, n)), len(2, 'model'), ...initializers.map((t) => len(5, t)), len(11, valueInfo('input', FLOAT, ['N', width])), ...graphOutputs.map((o) => len(12, o)))
const model = bytes(int(1, 8), len(2, 'modelship-node-template'), len(7, graph), len(8, bytes(len(1, ''), int(2, 17))))

mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, 'model.onnx'), model)
writeFileSync(join(outDir, 'metrics.json'), JSON.stringify(metric) + '\n')
console.log('train.mjs: ' + n + ' rows, ' + width + ' features, ' + args.task + '; training ' + Object.keys(metric)[0] + ' ' + Object.values(metric)[0].toFixed(4) + '; wrote ' + join(outDir, 'model.onnx'))
`
