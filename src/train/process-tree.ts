/**
 * Keeps track of every process a command starts, so that none outlives it. A process group is not
 * enough: training code can call setsid() (Python's `start_new_session=True`, Node's `detached`)
 * and leave the group, then change model.onnx after Modelship checked it. Node cannot make itself a
 * child subreaper (prctl is not reachable), so on Linux the tree is found through /proc in two ways:
 *
 * - descendants: while the command runs, its process tree is scanned every few hundred
 *   milliseconds and every pid seen is remembered (with its start time, so a reused pid is never
 *   hit), so an orphan re-parented to init is still known;
 * - a marker: the command gets a random `MODELSHIP_PROCESS_TREE` variable that every process it
 *   starts inherits, and the final sweep also takes every process of ours whose environment holds
 *   it, which catches an orphan that escaped between two scans.
 *
 * Code that both escapes between two scans and scrubs its own environment can still get away; the
 * job's token and secrets are withheld from training code for that reason. Elsewhere than Linux
 * only the process group is stopped.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'

/** Variable every process of a guarded command inherits; its value is unique to the command. */
export const PROCESS_TREE_VARIABLE = 'MODELSHIP_PROCESS_TREE'

/** One process as /proc shows it. */
interface ProcessInfo {
  ppid: number
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot): with the pid, names one process for good. */
  startTime: string
  zombie: boolean
}

/** True when this system has a readable /proc with process stats (Linux). */
export function hasProcfs(): boolean {
  try {
    readFileSync('/proc/self/stat', 'utf8')
    return true
  } catch {
    return false
  }
}

/** Reads /proc/<pid>/stat; undefined when the process is gone or unreadable. */
function readProcess(pid: number): ProcessInfo | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const ppid = Number(fields[1])
  const startTime = fields[19]
  if (!Number.isInteger(ppid) || startTime === undefined) return undefined
  return { ppid, startTime, zombie: fields[0] === 'Z' }
}

/** Every pid in /proc. */
function listPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
  } catch {
    return []
  }
}

/** True when the process's environment (as /proc shows it) holds `entry` (`NAME=value`). */
function environmentHolds(pid: number, entry: string): boolean {
  try {
    // Other users' processes are unreadable (EACCES): they are not ours to stop anyway.
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry)
  } catch {
    return false
  }
}

/**
 * The processes of one command: give it {@link variables} in its environment, call {@link watch}
 * once it is spawned and {@link killAll} when it has exited (or must stop). Synchronous throughout,
 * so it also works from a process 'exit' handler.
 */
export class ProcessTreeGuard {
  /** Every process of the tree seen so far, by pid, with its start time. */
  private readonly known = new Map<number, string>()
  private readonly marker = randomBytes(16).toString('hex')
  private timer: NodeJS.Timeout | undefined
  private root: number | undefined
  readonly enabled: boolean

  /** @param scanIntervalMs how often the tree is scanned while the command runs (default 200 ms). */
  constructor(private readonly scanIntervalMs = 200) {
    this.enabled = hasProcfs()
  }

  /** Variables to add to the command's environment (empty where there is no /proc). */
  get variables(): Record<string, string> {
    return this.enabled ? { [PROCESS_TREE_VARIABLE]: this.marker } : {}
  }

  /** Starts scanning the tree under `pid` (the spawned command). */
  watch(pid: number): void {
    if (!this.enabled) return
    this.root = pid
    this.scan()
    this.timer = setInterval(() => this.scan(), this.scanIntervalMs)
    // The scan must never keep Modelship alive on its own.
    this.timer.unref()
  }

  /** Records every living descendant of the command and of the processes recorded before. */
  scan(): void {
    if (!this.enabled || this.root === undefined) return
    this.collect(this.readTable())
  }

  /**
   * Stops every process of the tree still running: the remembered descendants, their descendants,
   * and every process carrying the marker. Each is frozen with SIGSTOP first, so none can start a
   * new process while the rest are found, then all get SIGKILL. Returns the pids killed (the
   * command itself excluded).
   */
  killAll(): number[] {
    clearInterval(this.timer)
    this.timer = undefined
    if (!this.enabled) return []
    const frozen = new Map<number, string>()
    // A handful of rounds: each round freezes what the last one found, so a tree stops growing.
    for (let round = 0; round < 20; round++) {
      const table = this.readTable()
      this.collect(table)
      const entry = `${PROCESS_TREE_VARIABLE}=${this.marker}`
      for (const [pid, info] of table) {
        if (pid !== process.pid && !this.known.has(pid) && !info.zombie && environmentHolds(pid, entry)) this.known.set(pid, info.startTime)
      }
      let added = 0
      for (const [pid, startTime] of this.known) {
        const info = table.get(pid)
        if (info === undefined || info.startTime !== startTime || info.zombie || frozen.has(pid)) continue
        if (signal(pid, 'SIGSTOP')) {
          frozen.set(pid, startTime)
          added++
        }
      }
      if (added === 0) break
    }
    const killed: number[] = []
    for (const [pid, startTime] of frozen) {
      // Checked again: between SIGSTOP and now the process may have died and its pid been reused.
      if (readProcess(pid)?.startTime !== startTime) continue
      if (signal(pid, 'SIGKILL') && pid !== this.root) killed.push(pid)
    }
    return killed.sort((a, b) => a - b)
  }

  private readTable(): Map<number, ProcessInfo> {
    const table = new Map<number, ProcessInfo>()
    for (const pid of listPids()) {
      const info = readProcess(pid)
      if (info !== undefined) table.set(pid, info)
    }
    return table
  }

  /** Adds to `known` every process whose parent is the root or known, until nothing new turns up. */
  private collect(table: Map<number, ProcessInfo>): void {
    const rootInfo = this.root === undefined ? undefined : table.get(this.root)
    if (this.root !== undefined && rootInfo !== undefined && !this.known.has(this.root)) this.known.set(this.root, rootInfo.startTime)
    let grew = true
    while (grew) {
      grew = false
      for (const [pid, info] of table) {
        if (this.known.has(pid) || pid === process.pid) continue
        const parent = this.known.get(info.ppid)
        // The parent must be the very process recorded, not a newer one with its pid.
        if (parent !== undefined && table.get(info.ppid)?.startTime === parent) {
          this.known.set(pid, info.startTime)
          grew = true
        }
      }
    }
  }
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name)
    return true
  } catch {
    return false
  }
}
