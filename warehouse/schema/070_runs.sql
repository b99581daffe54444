-- What the data health page shows: when each source last ran and what the last checks said. The full
-- history stays in Dagster's event log; these keep the latest row so the dashboard needs no Dagster.
create table if not exists meta.source_runs (
    source      varchar primary key,   -- reports | metrics | search | snapshot | github:<repo> | git:<repo> ...
    run_id      varchar   not null,
    finished_at timestamp not null,    -- UTC
    summary     json                   -- the step's own figures (documents read, requests, rows ...)
);

create table if not exists meta.check_results (
    asset       varchar   not null,    -- e.g. marts/pr_links
    check_name  varchar   not null,
    passed      boolean   not null,
    severity    varchar   not null,    -- ERROR | WARN
    metadata    json,                  -- offending row counts and samples
    run_id      varchar   not null,
    checked_at  timestamp not null,    -- UTC
    primary key (asset, check_name)
);
