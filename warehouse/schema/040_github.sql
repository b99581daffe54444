-- GitHub REST data. raw.github_responses keeps every 200 response body exactly as received (content-
-- addressed per URL, so an unchanged page fetched again adds nothing); the staging tables hold what was
-- read from them, one row per pull request, file, review and review comment.
-- written by: raw/github_responses
create table if not exists raw.github_responses (
    response_id  varchar primary key,  -- hash of (url, sha256)
    repo         varchar   not null,   -- owner/repo as configured
    resource     varchar   not null,   -- pulls | files | reviews | comments
    pr_number    integer,              -- null for list pages
    url          varchar   not null,   -- as requested (the token is sent in a header, never in the URL)
    status       integer   not null,
    etag         varchar,
    last_modified varchar,
    headers      json      not null,   -- response headers as received
    sha256       varchar   not null,
    content      blob      not null,   -- the body as received
    received_at  timestamp not null,   -- UTC
    ingest_run   varchar
);

-- The validators of the last response seen per URL, for conditional requests (If-None-Match / If-Modified-Since).
-- written by: raw/github_responses, raw/report_site
create table if not exists meta.http_cache (
    url           varchar primary key,
    etag          varchar,
    last_modified varchar,
    response_id   varchar,  -- the stored body a 304 stands for (raw.github_responses or raw.documents)
    checked_at    timestamp not null
);

-- Per repo and collection window (pull requests last updated in [window_start, window_end); 'all' is one
-- unsplit walk): what a completed walk loaded. The next walk of the window stops at newest_updated; a final
-- window (walked completely after it ended) cannot gain a PR any more and is not walked again.
-- written by: staging/github
create table if not exists meta.github_windows (
    repo            varchar   not null,
    window_key      varchar   not null,  -- the window's first day, as its Dagster partition names it, or 'all'
    window_start    timestamp,           -- UTC; null: open
    window_end      timestamp,           -- UTC, exclusive; null: open
    newest_updated  timestamp,           -- null: the window held no pull request
    final           boolean   not null,
    completed_at    timestamp not null,  -- UTC
    primary key (repo, window_key)
);

-- Requests that gave up on one item (a 404 for a PR, a report not published yet): kept, not fatal.
-- written by: staging/github, raw/report_site
create table if not exists meta.fetch_misses (
    url       varchar primary key,
    source    varchar   not null,  -- github | report_site
    repo      varchar,
    pr_number integer,
    status    integer   not null,
    detail    varchar   not null,
    seen_at   timestamp not null
);

-- written by: staging/github
create table if not exists staging.github_pulls (
    repo            varchar   not null,
    number          integer   not null,
    title           varchar,
    body            varchar,
    author          varchar,
    author_is_bot   boolean,
    state           varchar,    -- open | closed
    draft           boolean,
    created_at      timestamp,  -- UTC, as are all GitHub times
    updated_at      timestamp not null,
    merged_at       timestamp,
    closed_at       timestamp,
    base_ref        varchar,
    head_ref        varchar,
    merge_commit_sha varchar,
    additions       integer,    -- from the PR payload when it has them, else summed over its files
    deletions       integer,
    changed_files   integer,
    labels          varchar[],
    html_url        varchar,
    response_id     varchar   not null,  -- the list page it was read from
    loaded_at       timestamp not null,
    primary key (repo, number)
);

-- written by: staging/github
create table if not exists staging.github_files (
    repo          varchar not null,
    number        integer not null,
    path          varchar not null,
    status        varchar,  -- added | modified | removed | renamed | copied | changed | unchanged
    additions     integer,
    deletions     integer,
    previous_path varchar,
    loaded_at     timestamp not null,
    primary key (repo, number, path)
);

-- written by: staging/github
create table if not exists staging.github_reviews (
    repo          varchar not null,
    number        integer not null,
    review_id     bigint  not null,
    reviewer      varchar,
    reviewer_is_bot boolean,
    state         varchar,    -- APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    submitted_at  timestamp,  -- null when pending, or when the payload's time is unreadable
    body          varchar,
    commit_id     varchar,
    loaded_at     timestamp not null,
    primary key (repo, number, review_id)
);

-- written by: staging/github
create table if not exists staging.github_review_comments (
    repo          varchar not null,
    number        integer not null,
    comment_id    bigint  not null,
    review_id     bigint,
    author        varchar,
    author_is_bot boolean,
    path          varchar,
    line          integer,
    body          varchar,
    created_at    timestamp,
    in_reply_to   bigint,
    loaded_at     timestamp not null,
    primary key (repo, number, comment_id)
);

