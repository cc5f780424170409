/**
 * Weighted least squares via the normal equations (Zᵀ W Z) β = Zᵀ W y, solved by Cholesky
 * factorisation. KernelSHAP's systems are small (M − 1 unknowns) and well conditioned once every
 * feature appears in some coalition; a singular system (a feature never varied) gets a ridge of
 * 1e-10 × mean diagonal, which leaves a well-posed system's answer unchanged to ~1e-10.
 */

/** Solves for β (P unknowns) per right-hand side; `z` is row-major [n, P], `ys` are K vectors of length n. */
export function weightedLeastSquares(z: Float64Array, n: number, p: number, weights: Float64Array, ys: Float64Array[]): Float64Array[] {
  const gram = new Float64Array(p * p)
  for (let r = 0; r < n; r++) {
    const w = weights[r]!
    if (w === 0) continue
    const rowOffset = r * p
    for (let a = 0; a < p; a++) {
      const za = z[rowOffset + a]!
      if (za === 0) continue
      const wza = w * za
      for (let b = a; b < p; b++) gram[a * p + b]! += wza * z[rowOffset + b]!
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) gram[a * p + b] = gram[b * p + a]!

  let factor = cholesky(gram, p)
  if (!factor) {
    let trace = 0
    for (let a = 0; a < p; a++) trace += gram[a * p + a]!
    const ridge = (1e-10 * trace) / Math.max(1, p) || 1e-12
    const damped = Float64Array.from(gram)
    for (let a = 0; a < p; a++) damped[a * p + a]! += ridge
    factor = cholesky(damped, p)
    if (!factor) throw new Error('weighted least squares: the normal equations are not positive definite')
  }

  return ys.map((y) => {
    const rhs = new Float64Array(p)
    for (let r = 0; r < n; r++) {
      const wy = weights[r]! * y[r]!
      if (wy === 0) continue
      for (let a = 0; a < p; a++) rhs[a]! += z[r * p + a]! * wy
    }
    return solveCholesky(factor!, p, rhs)
  })
}

/** Lower-triangular L with L Lᵀ = A, or undefined when A is not (numerically) positive definite. */
function cholesky(a: Float64Array, p: number): Float64Array | undefined {
  const l = new Float64Array(p * p)
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * p + j]!
      for (let k = 0; k < j; k++) sum -= l[i * p + k]! * l[j * p + k]!
      if (i === j) {
        if (!(sum > 1e-14 * Math.max(1, Math.abs(a[i * p + i]!)))) return undefined
        l[i * p + i] = Math.sqrt(sum)
      } else {
        l[i * p + j] = sum / l[j * p + j]!
      }
    }
  }
  return l
}

function solveCholesky(l: Float64Array, p: number, b: Float64Array): Float64Array {
  const y = new Float64Array(p)
  for (let i = 0; i < p; i++) {
    let sum = b[i]!
    for (let k = 0; k < i; k++) sum -= l[i * p + k]! * y[k]!
    y[i] = sum / l[i * p + i]!
  }
  const x = new Float64Array(p)
  for (let i = p - 1; i >= 0; i--) {
    let sum = y[i]!
    for (let k = i + 1; k < p; k++) sum -= l[k * p + i]! * x[k]!
    x[i] = sum / l[i * p + i]!
  }
  return x
}
