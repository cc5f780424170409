/**
 * Several observers behind the server's one `observer` option: metrics, version stats, the
 * prediction log, and any a caller adds while the server runs (the deploy reconciler). Observers are
 * telemetry: one that throws is skipped for that call, never the request's failure.
 */
import type { ServeObserver } from './server.js'

type Hook = Exclude<keyof ServeObserver, 'metrics'>

/** A ServeObserver that tells every observer added to it; `/metrics` comes from the one that has it. */
export class ObserverSet implements ServeObserver {
  private readonly observers = new Set<ServeObserver>()

  constructor(observers: readonly ServeObserver[] = []) {
    for (const o of observers) this.observers.add(o)
  }

  /** Adds `observer`; returns a function that removes it. */
  add(observer: ServeObserver): () => void {
    this.observers.add(observer)
    return () => this.observers.delete(observer)
  }

  private tell<K extends Hook>(hook: K, info: Parameters<NonNullable<ServeObserver[K]>>[0]): void {
    for (const o of this.observers) {
      const fn = o[hook] as ((arg: typeof info) => void) | undefined
      if (!fn) continue
      try {
        fn.call(o, info)
      } catch {
        /* best effort: telemetry never fails a request */
      }
    }
  }

  request(info: Parameters<NonNullable<ServeObserver['request']>>[0]): void {
    this.tell('request', info)
  }

  inference(info: Parameters<NonNullable<ServeObserver['inference']>>[0]): void {
    this.tell('inference', info)
  }

  sessionRun(info: Parameters<NonNullable<ServeObserver['sessionRun']>>[0]): void {
    this.tell('sessionRun', info)
  }

  queueDepth(depth: number): void {
    this.tell('queueDepth', depth)
  }

  prediction(record: Parameters<NonNullable<ServeObserver['prediction']>>[0]): void {
    this.tell('prediction', record)
  }

  /** The first added observer with `metrics` answers; none: 404 as if there were no route. */
  async metrics(): Promise<{ contentType: string; body: string }> {
    for (const o of this.observers) if (o.metrics) return await o.metrics()
    return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '' }
  }
}
