/**
 * GitHub's page-based pagination: `per_page` (default 30, at most 100), `page` (from 1), and a `Link`
 * header with rel `next`, `last`, `first` and `prev` where they apply.
 */
import type { DoubleRequest, DoubleResponse } from './http.js'

/** Default and largest page sizes GitHub uses. */
export const DEFAULT_PER_PAGE = 30
export const MAX_PER_PAGE = 100

/** One page of `items` (already filtered and ordered) as a 200 answer with GitHub's `Link` header. */
export function paginate<T>(request: DoubleRequest, apiRoot: string, items: T[], render: (item: T) => unknown): DoubleResponse {
  const { page, perPage, slice } = pageOf(request, items)
  return { status: 200, body: slice.map(render), headers: linkHeader(request, apiRoot, page, perPage, items.length) }
}

/** Like `paginate`, for answers that wrap the list (`{ total_count, workflow_runs: [...] }`). */
export function paginateWrapped<T>(
  request: DoubleRequest,
  apiRoot: string,
  items: T[],
  wrap: (slice: T[], total: number) => unknown,
): DoubleResponse {
  const { page, perPage, slice } = pageOf(request, items)
  return { status: 200, body: wrap(slice, items.length), headers: linkHeader(request, apiRoot, page, perPage, items.length) }
}

function pageOf<T>(request: DoubleRequest, items: T[]): { page: number; perPage: number; slice: T[] } {
  const askedPerPage = Number(request.query.get('per_page') ?? DEFAULT_PER_PAGE)
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number.isFinite(askedPerPage) ? Math.floor(askedPerPage) : DEFAULT_PER_PAGE))
  const askedPage = Number(request.query.get('page') ?? 1)
  const page = Math.max(1, Number.isFinite(askedPage) ? Math.floor(askedPage) : 1)
  return { page, perPage, slice: items.slice((page - 1) * perPage, page * perPage) }
}

function linkHeader(request: DoubleRequest, apiRoot: string, page: number, perPage: number, total: number): Record<string, string> {
  const lastPage = Math.max(1, Math.ceil(total / perPage))
  const link = (target: number, rel: string): string => {
    const query = new URLSearchParams(request.query)
    query.set('per_page', String(perPage))
    query.set('page', String(target))
    return `<${apiRoot}${request.path}?${query.toString()}>; rel="${rel}"`
  }
  const links: string[] = []
  if (page > 1) links.push(link(Math.min(page - 1, lastPage), 'prev'))
  if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'))
  if (page > 1) links.push(link(1, 'first'))
  return links.length > 0 ? { link: links.join(', ') } : {}
}
