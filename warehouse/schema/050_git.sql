-- Git history read from local clones with one streamed `git log`. raw.git_logs keeps each load's log
-- output as received; core has one row per commit and per changed file.
create table if not exists raw.git_logs (
    load_id     varchar primary key,  -- hash of (repo, revision range)
    repo        varchar   not null,
    clone_path  varchar   not null,
    revisions   varchar   not null,   -- the revision range that was logged
    sha256      varchar   not null,
    content     blob      not null,   -- `git log` output, NUL-separated
    received_at timestamp not null,
    ingest_run  varchar
);

create table if not exists core.git_commits (
    repo          varchar   not null,
    sha           varchar   not null,
    parents       varchar[] not null,
    author_name   varchar,
    author_email  varchar,
    authored_at   timestamp,  -- UTC
    committed_at  timestamp,  -- UTC
    subject       varchar,
    body          varchar,
    pr_number     integer,    -- from "... (#N)" (squash merge) or "Merge pull request #N" (merge commit)
    pr_evidence   varchar,    -- squash_subject | merge_commit
    load_id       varchar   not null,
    loaded_at     timestamp not null,
    primary key (repo, sha)
);

create table if not exists core.git_commit_files (
    repo      varchar not null,
    sha       varchar not null,
    path      varchar not null,
    additions integer,  -- null for binary files
    deletions integer,
    old_path  varchar   -- set when the file was renamed
);

-- The revision each clone was last loaded up to; the next load logs only what is not reachable from it.
create table if not exists meta.git_tips (
    repo      varchar primary key,
    sha       varchar   not null,
    loaded_at timestamp not null
);
