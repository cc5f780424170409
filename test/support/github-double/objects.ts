/**
 * GitHub's JSON shapes for the objects several resources embed (users, repositories, labels),
 * with every field the OpenAPI schema requires; the server checks each answer against it.
 */
import type { DoubleState, LabelRecord, UserRecord } from './state.js'
import type { Urls } from './urls.js'

/** A stable, opaque node id, shaped like GitHub's global relay ids. */
export function nodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(String(id)).toString('base64url')}`
}

/** `simple-user` for a login. */
export function simpleUser(urls: Urls, user: UserRecord): Record<string, unknown> {
  const api = `${urls.api}/users/${encodeURIComponent(user.login)}`
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type === 'Bot' ? 'BOT' : 'U', user.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.web}/${user.type === 'Bot' ? 'apps/' + user.login.replace(/\[bot\]$/, '') : user.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
  }
}

/** `minimal-repository`: the URL-heavy core every repository shape shares. */
export function minimalRepository(urls: Urls, state: DoubleState): Record<string, unknown> {
  const api = urls.repoApi
  return {
    id: state.repositoryId,
    node_id: nodeId('R', state.repositoryId),
    name: state.repo,
    full_name: `${state.owner}/${state.repo}`,
    owner: simpleUser(urls, state.user(state.owner)),
    private: false,
    html_url: urls.repoWeb,
    description: 'Models managed with Modelship',
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
  }
}

/** `repository` (as embedded in pull requests); `full` adds what `repos.get` answers. */
export function repository(urls: Urls, state: DoubleState, openIssues: number, full = false): Record<string, unknown> {
  const origin = new URL(urls.api).host
  const base = {
    ...minimalRepository(urls, state),
    git_url: `git://${origin}/${state.owner}/${state.repo}.git`,
    ssh_url: `git@${origin}:${state.owner}/${state.repo}.git`,
    clone_url: `${urls.repoWeb}.git`,
    svn_url: urls.repoWeb,
    mirror_url: null,
    homepage: null,
    language: 'Python',
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 1,
    default_branch: state.defaultBranch,
    open_issues_count: openIssues,
    open_issues: openIssues,
    is_template: false,
    topics: ['mlops'],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'public',
    pushed_at: state.createdAt,
    created_at: state.createdAt,
    updated_at: state.createdAt,
    license: null,
    allow_forking: true,
    web_commit_signoff_required: false,
  }
  if (!full) return base
  return {
    ...base,
    network_count: 0,
    subscribers_count: 0,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
  }
}

/** `label`. */
export function label(urls: Urls, record: LabelRecord): Record<string, unknown> {
  return {
    id: record.id,
    node_id: nodeId('LA', record.id),
    url: `${urls.repoApi}/labels/${encodeURIComponent(record.name)}`,
    name: record.name,
    description: record.description,
    color: record.color,
    default: false,
  }
}
