-- GitHub GraphQL collection (etl/sources/github_graphql.py). Its responses go to raw.github_responses like the
-- REST ones, with url = '<endpoint>#query=<query_sha256>' (the fragment is never sent) and resource
-- 'graphql:<shape>' (scan, sweep, detail, more_files, ...); the query text a hash names is kept here, once.
-- written by: raw/github_responses
create table if not exists raw.github_graphql_queries (
    query_sha256  varchar primary key,  -- sha256 of the query text as sent
    shape         varchar   not null,   -- what the query is for: scan | sweep | detail | more_<connection>
    query         varchar   not null,   -- the text as sent (variables are not kept: the cursor, the ids)
    first_sent_at timestamp not null    -- UTC
);

-- The page size that last worked per repo and query shape: halved on a 502/504 or a GitHub timeout, grown back
-- after a run of successes, and read by the next run so it does not meet the same timeouts again.
-- written by: staging/github
create table if not exists meta.github_query_sizes (
    repo        varchar   not null,
    shape       varchar   not null,
    page_size   integer   not null,
    updated_at  timestamp not null,  -- UTC
    primary key (repo, shape)
);

-- Positions in the repo's pull-request list (newest update first), remembered by scans: a walk of an older
-- window starts after the nearest one above it instead of listing every newer PR again. A cursor names a
-- place in that order (GitHub's are keyset cursors on updatedAt), so a PR updated since only moves above it.
-- written by: staging/github
create table if not exists meta.github_scan_cursors (
    repo        varchar   not null,
    updated_at  timestamp not null,  -- UTC: the updatedAt of the PR the cursor stands after, when scanned
    cursor      varchar   not null,
    seen_at     timestamp not null,  -- UTC
    primary key (repo, updated_at)
);
