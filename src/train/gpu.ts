/**
 * NVIDIA GPUs through `nvidia-smi`: a preflight that proves the runner has the GPUs a spec asks for
 * (before any time is spent on environments), and a sampler that records utilization and memory
 * while the command trains.
 */
import { TrainError } from '../errors.js'
import { capture } from './capture.js'
import type { TrainLogger } from './logger.js'

/** Fields the preflight asks for, in the order nvidia-smi prints them. */
export const GPU_QUERY_FIELDS = ['index', 'name', 'driver_version', 'memory.total', 'memory.used', 'utilization.gpu']

/** Fields each sample asks for. */
const SAMPLE_FIELDS = ['index', 'utilization.gpu', 'memory.used']

/** One GPU as the preflight saw it; numbers are null where nvidia-smi printed `[N/A]` or `[Not Supported]`. */
export interface GpuInfo {
  index: number
  name: string
  driverVersion: string
  /** MiB. */
  memoryTotalMiB: number | null
  /** MiB. */
  memoryUsedMiB: number | null
  /** Percent, 0–100. */
  utilizationPercent: number | null
}

/** Peak and mean of one sampled quantity; null when no sample had a value. */
export interface PeakMean {
  peak: number
  mean: number
}

/** One GPU a run used, with what sampling saw during training. */
export interface GpuUsage {
  index: number
  name: string
  driverVersion: string
  /** MiB. */
  memoryTotalMiB: number | null
  /** Percent, 0–100. */
  utilizationPercent: PeakMean | null
  /** MiB. */
  memoryUsedMiB: PeakMean | null
  /** How many samples were taken. */
  samples: number
}

/** What the preflight chose. */
export interface GpuSelection {
  /** Every GPU the runner has. */
  devices: GpuInfo[]
  /** The GPUs the command gets (nvidia-smi indices). */
  chosen: GpuInfo[]
  /** Variables to add to the command's environment (empty when CUDA_VISIBLE_DEVICES was already set). */
  variables: Record<string, string>
  /** CUDA_VISIBLE_DEVICES as the command will see it. */
  visibleDevices: string
}

/** Argv that queries `fields` for every GPU, without header or units. */
export function gpuQueryArgs(fields: readonly string[]): string[] {
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits']
}

/**
 * Parses `--format=csv,noheader,nounits` output: one line per GPU, fields separated by `, `. A field
 * may be `[N/A]` or `[Not Supported]` (nvidia-smi's words for a value the GPU does not report).
 * Returns one record per line, keyed by field name.
 */
export function parseGpuCsv(text: string, fields: readonly string[]): Record<string, string>[] {
  const rows: Record<string, string>[] = []
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue
    let parts = line.split(',').map((part) => part.trim())
    const nameAt = fields.indexOf('name')
    if (parts.length > fields.length && nameAt >= 0) {
      // A product name with a comma in it: the extra parts belong to the name.
      const extra = parts.length - fields.length
      parts = [...parts.slice(0, nameAt), parts.slice(nameAt, nameAt + extra + 1).join(', '), ...parts.slice(nameAt + extra + 1)]
    }
    if (parts.length !== fields.length) {
      throw new TrainError(
        `nvidia-smi printed '${line}', which does not have the ${fields.length} fields asked for (${fields.join(', ')})`,
      )
    }
    rows.push(Object.fromEntries(fields.map((field, i) => [field, parts[i] ?? ''])))
  }
  return rows
}

/** A number from an nvidia-smi field, or null for `[N/A]`, `[Not Supported]` and other non-numbers. */
export function gpuNumber(field: string | undefined): number | null {
  if (field === undefined || !/^-?\d+(\.\d+)?$/.test(field.trim())) return null
  return Number(field)
}

const GPU_RUNNER_HINT =
  'Run this training on a runner with an NVIDIA GPU and driver: set train.compute.runs-on to its labels ' +
  '(e.g. [self-hosted, linux, gpu], or the name of a GitHub-hosted GPU larger runner), or set ' +
  'train.compute.accelerator: none to train on CPU'

/**
 * Checks that the runner has at least `gpus` NVIDIA GPUs and picks which ones the command gets:
 * the ones with the least memory in use (ties by index), unless CUDA_VISIBLE_DEVICES is already set,
 * which is then respected. Throws a {@link TrainError} naming the fix when nvidia-smi is missing,
 * fails (no driver), or reports too few GPUs.
 */
export async function preflightGpus(gpus: number, env: NodeJS.ProcessEnv, log: TrainLogger): Promise<GpuSelection> {
  const result = await capture('nvidia-smi', gpuQueryArgs(GPU_QUERY_FIELDS), { env })
  if (result.missing) {
    throw new TrainError(
      `train.compute.accelerator is nvidia-gpu but this runner has no nvidia-smi on PATH: it is not a GPU runner. ${GPU_RUNNER_HINT}`,
    )
  }
  const said = `${result.stdout}\n${result.stderr}`.trim()
  // nvidia-smi says "No devices were found" (exit 6) on a machine with a driver and no GPU.
  if (result.code !== 0 && !/no devices were found/i.test(said)) {
    const first = (said.split(/\r?\n/)[0] ?? '').replace(/\.+$/, '')
    throw new TrainError(
      `train.compute.accelerator is nvidia-gpu but nvidia-smi failed (exit ${result.code ?? 'signal'}): ${first || 'no output'}. ` +
        `The runner's NVIDIA driver is missing or not loaded; fix the driver on the runner, or ${GPU_RUNNER_HINT.charAt(0).toLowerCase()}${GPU_RUNNER_HINT.slice(1)}`,
    )
  }
  const devices: GpuInfo[] = (result.code === 0 ? parseGpuCsv(result.stdout, GPU_QUERY_FIELDS) : []).map((row) => ({
    index: Number(row.index),
    name: row.name ?? '',
    driverVersion: row.driver_version ?? '',
    memoryTotalMiB: gpuNumber(row['memory.total']),
    memoryUsedMiB: gpuNumber(row['memory.used']),
    utilizationPercent: gpuNumber(row['utilization.gpu']),
  }))
  const listed = devices.length === 0 ? 'none' : devices.map((d) => `${d.index}: ${d.name}`).join(', ')

  const preset = env.CUDA_VISIBLE_DEVICES
  if (preset !== undefined) {
    const entries = preset.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
    const indices = entries.every((entry) => /^\d+$/.test(entry)) ? entries.map(Number) : undefined
    const visible = indices === undefined ? devices : devices.filter((d) => indices.includes(d.index))
    const count = indices === undefined ? entries.length : visible.length
    if (count < gpus) {
      throw new TrainError(
        `train.compute.gpus is ${gpus} but CUDA_VISIBLE_DEVICES='${preset}' leaves ${count} visible ` +
          `(the runner has ${devices.length}: ${listed}); unset CUDA_VISIBLE_DEVICES or list ${gpus} GPUs in it`,
      )
    }
    log.info(`GPUs: CUDA_VISIBLE_DEVICES='${preset}' is already set; using it (${visible.map((d) => d.name).join(', ')})`)
    return { devices, chosen: visible, variables: {}, visibleDevices: preset }
  }

  if (devices.length < gpus) {
    throw new TrainError(
      `train.compute.gpus is ${gpus} but this runner has ${devices.length} GPU${devices.length === 1 ? '' : 's'} (${listed}). ` +
        `Use a runner with ${gpus} GPU${gpus === 1 ? '' : 's'} (train.compute.runs-on) or lower train.compute.gpus`,
    )
  }
  const chosen = [...devices]
    .sort((a, b) => (a.memoryUsedMiB ?? 0) - (b.memoryUsedMiB ?? 0) || a.index - b.index)
    .slice(0, gpus)
    .sort((a, b) => a.index - b.index)
  log.info(
    `GPUs: using ${chosen.map((d) => `${d.index} (${d.name}, ${d.memoryTotalMiB ?? '?'} MiB, driver ${d.driverVersion})`).join(', ')} of ${devices.length}`,
  )
  const visibleDevices = chosen.map((d) => d.index).join(',')
  return {
    devices,
    chosen,
    visibleDevices,
    // nvidia-smi numbers GPUs in PCI bus order; CUDA's default order is fastest first. Make them agree.
    variables: {
      CUDA_VISIBLE_DEVICES: visibleDevices,
      ...(env.CUDA_DEVICE_ORDER === undefined ? { CUDA_DEVICE_ORDER: 'PCI_BUS_ID' } : {}),
    },
  }
}

/** Running totals of one quantity. */
class Accumulator {
  private count = 0
  private sum = 0
  private max = -Infinity

  add(value: number | null): void {
    if (value === null) return
    this.count += 1
    this.sum += value
    this.max = Math.max(this.max, value)
  }

  result(): PeakMean | null {
    return this.count === 0 ? null : { peak: this.max, mean: this.sum / this.count }
  }
}

/** One reading of one GPU. */
export interface GpuSample {
  index: number
  utilizationPercent: number | null
  memoryUsedMiB: number | null
}

/** Peak and mean per GPU over `samples`; GPUs in `chosen` with no sample get nulls and 0 samples. */
export function summarizeGpuSamples(chosen: readonly GpuInfo[], samples: readonly GpuSample[]): GpuUsage[] {
  return chosen.map((device) => {
    const utilization = new Accumulator()
    const memory = new Accumulator()
    let count = 0
    for (const sample of samples) {
      if (sample.index !== device.index) continue
      count += 1
      utilization.add(sample.utilizationPercent)
      memory.add(sample.memoryUsedMiB)
    }
    return {
      index: device.index,
      name: device.name,
      driverVersion: device.driverVersion,
      memoryTotalMiB: device.memoryTotalMiB,
      utilizationPercent: utilization.result(),
      memoryUsedMiB: memory.result(),
      samples: count,
    }
  })
}

/**
 * Samples the chosen GPUs every `intervalMs` (default 10 s) until stopped. A failed sample is a
 * warning (once), never a failed run: the numbers are a record, not a gate.
 */
export class GpuSampler {
  private readonly samples: GpuSample[] = []
  private timer: NodeJS.Timeout | undefined
  private inFlight: Promise<void> | undefined
  private stopped = true
  private warned = false

  constructor(
    private readonly chosen: readonly GpuInfo[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: TrainLogger,
    private readonly intervalMs = 10_000,
  ) {}

  /** Starts sampling; the first sample is taken after one interval. */
  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.schedule()
  }

  /** Stops sampling (waiting for a sample under way) and returns the summary so far. */
  async stop(): Promise<GpuUsage[]> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.inFlight
    return summarizeGpuSamples(this.chosen, this.samples)
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.inFlight = this.sample().finally(() => {
        this.inFlight = undefined
        if (!this.stopped) this.schedule()
      })
    }, this.intervalMs)
  }

  private async sample(): Promise<void> {
    try {
      const result = await capture('nvidia-smi', gpuQueryArgs(SAMPLE_FIELDS), { env: this.env, timeoutMs: 15_000 })
      if (result.code !== 0) throw new Error(`exit ${result.code ?? 'signal'}: ${(result.stdout + result.stderr).trim()}`)
      const wanted = new Set(this.chosen.map((d) => d.index))
      for (const row of parseGpuCsv(result.stdout, SAMPLE_FIELDS)) {
        const index = Number(row.index)
        if (!wanted.has(index)) continue
        this.samples.push({
          index,
          utilizationPercent: gpuNumber(row['utilization.gpu']),
          memoryUsedMiB: gpuNumber(row['memory.used']),
        })
      }
    } catch (error) {
      if (!this.warned) {
        this.warned = true
        this.log.warning(`GPU sampling failed, the run record will miss some samples: ${(error as Error).message}`)
      }
    }
  }
}
