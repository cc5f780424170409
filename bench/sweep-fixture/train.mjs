// The sweep benchmark's training command: L2-regularised logistic regression fitted by full-batch
// gradient descent in plain Node (no Python, no dependencies), on the numeric columns of the churn
// data, exported as an ONNX LinearClassifier (ai.onnx.ml) that keeps the project's I/O convention:
// one float32 input 'input' [N, F], outputs 'label' int64 [N] and 'probabilities' float32 [N, 2].
// Params (MODELSHIP_PARAMS): C (inverse regularisation strength), epochs, learning_rate.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const params = JSON.parse(process.env.MODELSHIP_PARAMS ?? '{}')
const features = (process.env.BENCH_FEATURES ?? 'tenure,monthly_charges,support_calls').split(',')
const C = Number(params.C ?? 1)
const epochs = Number(params.epochs ?? 1000)
const rate = Number(params.learning_rate ?? 0.5)

const [header, ...rows] = readFileSync(process.env.MODELSHIP_TRAIN_DATA, 'utf8').trim().split('\n').map((line) => line.split(','))
const columns = features.map((name) => header.indexOf(name))
const target = header.indexOf('churned')
const n = rows.length
const f = features.length
const x = new Float64Array(n * f)
const y = new Float64Array(n)
rows.forEach((row, i) => {
  columns.forEach((column, j) => (x[i * f + j] = Number(row[column])))
  y[i] = Number(row[target])
})
// Standardised for the descent; the scaling is folded back into the exported weights.
const mean = new Float64Array(f)
const scale = new Float64Array(f)
for (let j = 0; j < f; j++) {
  for (let i = 0; i < n; i++) mean[j] += x[i * f + j] / n
  for (let i = 0; i < n; i++) scale[j] += (x[i * f + j] - mean[j]) ** 2 / n
  scale[j] = Math.sqrt(scale[j]) || 1
  for (let i = 0; i < n; i++) x[i * f + j] = (x[i * f + j] - mean[j]) / scale[j]
}
const w = new Float64Array(f)
let b = 0
const gradient = new Float64Array(f)
for (let epoch = 0; epoch < epochs; epoch++) {
  gradient.fill(0)
  let gradientB = 0
  for (let i = 0; i < n; i++) {
    let z = b
    for (let j = 0; j < f; j++) z += w[j] * x[i * f + j]
    const error = 1 / (1 + Math.exp(-z)) - y[i]
    for (let j = 0; j < f; j++) gradient[j] += error * x[i * f + j]
    gradientB += error
  }
  for (let j = 0; j < f; j++) w[j] -= rate * (gradient[j] / n + w[j] / (C * n))
  b -= (rate * gradientB) / n
}
const weights = [...w].map((value, j) => value / scale[j])
const intercept = b - [...w].reduce((sum, value, j) => sum + (value * mean[j]) / scale[j], 0)

// Protocol Buffers by hand: ONNX needs only varints, length-delimited fields and packed floats.
const varint = (value) => {
  const out = []
  let v = BigInt(value)
  while (v > 127n) {
    out.push(Number(v & 127n) | 128)
    v >>= 7n
  }
  out.push(Number(v))
  return out
}
const bytes = (no, payload) => [...varint((no << 3) | 2), ...varint(payload.length), ...payload]
const int = (no, value) => [...varint(no << 3), ...varint(value)]
const str = (no, text) => bytes(no, [...Buffer.from(text, 'utf8')])
const floats = (no, values) => bytes(no, [...Buffer.from(new Float32Array(values).buffer)])
const attribute = (name, type, payload) => bytes(5, [...str(1, name), ...payload, ...int(20, type)])
const dim = (value) => bytes(1, typeof value === 'number' ? int(1, value) : str(2, value))
const valueInfo = (name, elemType, dims) => [...str(1, name), ...bytes(2, bytes(1, [...int(1, elemType), ...bytes(2, dims.flatMap(dim))]))]
const node = [
  ...str(1, 'input'),
  ...str(2, 'label'),
  ...str(2, 'probabilities'),
  ...str(3, 'linear'),
  ...str(4, 'LinearClassifier'),
  ...str(7, 'ai.onnx.ml'),
  // Class 0 scores −z, class 1 scores z; SOFTMAX of (−z/2, z/2) is the logistic of z.
  ...attribute('coefficients', 6, floats(7, [...weights.map((v) => -v / 2), ...weights.map((v) => v / 2)])),
  ...attribute('intercepts', 6, floats(7, [-intercept / 2, intercept / 2])),
  ...attribute('classlabels_ints', 7, bytes(8, [0, 1].flatMap((v) => varint(v)))),
  ...attribute('post_transform', 3, bytes(4, [...Buffer.from('SOFTMAX')])),
]
const graph = [
  ...bytes(1, node),
  ...str(2, 'churn-logistic'),
  ...bytes(11, valueInfo('input', 1, ['N', f])),
  ...bytes(12, valueInfo('label', 7, ['N'])),
  ...bytes(12, valueInfo('probabilities', 1, ['N', 2])),
]
const model = [
  ...int(1, 8),
  ...str(2, 'modelship-bench-sweep'),
  ...bytes(7, graph),
  ...bytes(8, [...str(1, ''), ...int(2, 13)]),
  ...bytes(8, [...str(1, 'ai.onnx.ml'), ...int(2, 1)]),
]
const out = process.env.MODELSHIP_OUTPUT_DIR
writeFileSync(join(out, 'model.onnx'), Buffer.from(model))
writeFileSync(join(out, 'metrics.json'), `${JSON.stringify({ epochs, C })}\n`)
console.log(`trained logistic regression on ${n} rows, ${f} features, ${epochs} epochs, C=${C}`)
