-- GitHub REST data. raw.github_responses keeps every response body the collector was handed exactly as
-- received (a token echoed in it replaced by [REDACTED]), readable or not (content-addressed per URL, so an
-- unchanged page fetched again adds nothing); the staging tables hold what was read from them, one row per
-- pull request, file, review and review comment.
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
    content      blob      not null,   -- the body as received (what came of it, when it was cut short)
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

-- Requests that gave up on one item (a 404 for a PR's reviews, a 422 for its files, a list page that is not
-- JSON, a PR whose number cannot be stored, a report not published yet): kept, not fatal, asked again by
-- later runs, and forgotten once the item arrives.
-- written by: staging/github, raw/report_site
create table if not exists meta.fetch_misses (
    url       varchar primary key,  -- the request; <list page>#item-<i> for one PR of a list page
    source    varchar   not null,  -- github | report_site
    repo      varchar,
    pr_number integer,             -- null for a list page, or a PR whose number cannot be stored
    status    integer   not null,  -- the last HTTP status answered; 0 when none was
    detail    varchar   not null,
    seen_at   timestamp not null
);
-- Added after the table was first published (a warehouse written before gets it here).
alter table meta.fetch_misses add column if not exists reason varchar;
    -- not_found | http_error | server_error | no_answer | garbled | too_slow | cut_short | undecodable |
    -- too_large | not_json | unexpected_shape | pagination_loop | too_many_pages | link_off_host |
    -- unstorable | load_error

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


-- What had to be changed or left out while reading a pull request's payloads: a value of another type than
-- GitHub documents, a number beyond its column's range, text that cannot be stored, a review without an id.
-- One row per PR and field, replaced with the PR; the PR itself is in staging.github_pulls with what could
-- be read (etl/sources/github_rows.py).
-- written by: staging/github
create table if not exists staging.github_warnings (
    repo      varchar   not null,
    number    integer   not null,
    field     varchar   not null,  -- where in the payload: title, labels[2].name, reviews[0].id, files[3].additions
    warning   varchar   not null,  -- what was found there, and what was done with it
    loaded_at timestamp not null,
    primary key (repo, number, field)
);
