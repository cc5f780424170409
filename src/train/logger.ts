/**
 * Where training tells a person what is happening. The action maps phases to `core.group` and
 * warnings to `core.warning`; the CLI writes everything to stderr.
 */
export interface TrainLogger {
  /** A progress line from Modelship itself. */
  info(message: string): void
  /** Something worth a look that does not stop the run (a failed cache save, a GPU sample error). */
  warning(message: string): void
  /** One line the training command printed, without its line break, as soon as it is complete. */
  output(line: string, stream: 'stdout' | 'stderr'): void
  /** Runs one phase of the work under a heading (the action folds it into a log group). */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
}

/** A logger that writes plain lines (phases as `== name` headings) through `write` (default to stderr), for the CLI. */
export function streamTrainLogger(write: (text: string) => void = (text) => void process.stderr.write(text)): TrainLogger {
  return {
    info: (message) => write(`${message}\n`),
    warning: (message) => write(`warning: ${message}\n`),
    output: (line) => write(`${line}\n`),
    group: async (name, fn) => {
      write(`== ${name}\n`)
      return fn()
    },
  }
}
