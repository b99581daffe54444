-- Git history read from local clones with one streamed `git log`. raw.git_logs keeps each load's log
-- output as received; staging has one row per commit and per changed file.
-- written by: raw/git_logs
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

-- written by: staging/git
create table if not exists staging.git_commits (
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

-- written by: staging/git
create table if not exists staging.git_commit_files (
    repo      varchar not null,
    sha       varchar not null,
    path      varchar not null,
    additions integer,  -- null for binary files
    deletions integer,
    old_path  varchar   -- set when the file was renamed
);

-- The revision each clone was last loaded up to; the next load logs only what is not reachable from it.
-- written by: staging/git
create table if not exists meta.git_tips (
    repo      varchar primary key,
    sha       varchar   not null,
    loaded_at timestamp not null
);


-- Line history (SZZ): the PRs whose lines a fix deleted or changed, per fix commit (etl/ingest/szz.py).
-- written by: staging/szz
create table if not exists staging.szz_candidates (
    repo              varchar   not null,
    fix_number        integer   not null,
    fix_sha           varchar   not null,
    introducer_number integer   not null,
    introducer_shas   varchar[] not null,  -- the introducer's commits that wrote those lines
    lines             integer   not null,  -- of the fix's blamed lines, how many the introducer wrote
    fix_lines         integer   not null,  -- lines the fix deleted or changed, blank/comment/whitespace left out
    share             double    not null,  -- lines / fix_lines (a fix of more than 200 lines is blamed on an even
                                           -- sample of 200; lines and fix_lines are then scaled from it)
    files             varchar[] not null,
    primary key (repo, fix_sha, introducer_number)
);

-- Every fix commit line history has looked at, so a rerun blames only new ones; fix_lines = 0 is a fix that
-- only adds lines (nothing to blame: recorded, not guessed).
-- written by: staging/szz
create table if not exists meta.szz_fixes (
    repo         varchar   not null,
    fix_sha      varchar   not null,
    fix_number   integer   not null,
    fix_lines    integer   not null,
    blamed_lines integer   not null,  -- of those, lines written by another PR
    analysed_at  timestamp not null,
    primary key (repo, fix_sha)
);
