/**
 * A growing dictionary of text values for one categorical column, shared by every batch of one
 * read so that a code means the same value throughout.
 */
export class CategoryDictionary {
  /** Values by code, in first-appearance order; append-only. */
  readonly categories: string[] = []
  private readonly codes = new Map<string, number>()

  /** The code of a value, adding it when new. */
  code(value: string): number {
    let code = this.codes.get(value)
    if (code === undefined) {
      code = this.categories.length
      // A long string sliced from a parsed chunk keeps the whole chunk alive; store a flat copy.
      const own = value.length > 12 ? Buffer.from(value, 'utf8').toString('utf8') : value
      this.categories.push(own)
      this.codes.set(own, code)
    }
    return code
  }
}
