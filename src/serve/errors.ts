/** The failure a route answers with: an HTTP status and a message for `{"error": "..."}`. */
export class RequestError extends Error {
  constructor(
    /** HTTP status, 4xx for what the client sent, 503 for a model not ready. */
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. Retry-After on a 429. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
    this.name = 'RequestError'
  }
}
