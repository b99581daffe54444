-- What PR titles and bodies (GitHub) and the commit messages of a PR (git) claim about other PRs:
-- reverts, regressions fixed, follow-ups, mentions. One row per mention, read from the stored texts by
-- etl/ingest/text_claims.py.
-- written by: staging/text_claims
create table if not exists staging.text_claims (
    source        varchar   not null,  -- github (a PR's title and body) | git (a commit message of the PR)
    repo          varchar   not null,
    said_in       varchar   not null,  -- github: the PR's key (owner/repo#N); git: the commit sha
    ordinal       integer   not null,
    pr_number     integer   not null,  -- the PR whose text says it
    ref_repo      varchar,
    ref_number    integer,             -- null until resolved: a revert named by title or commit
    ref_kind      varchar   not null,  -- pr | issue
    relation      varchar   not null,  -- regression | revert | follow_up | reference
    referenced_is varchar   not null,  -- earlier | later, as the text puts it (links are ordered by merge time)
    cue           varchar   not null,  -- the rule that read it (etl/parsing/relations.py, etl/parsing/pr_text.py),
                                       -- or 'model' where the trained reader read it otherwise
    detail        varchar,             -- e.g. supersedes
    evidence      varchar   not null,  -- the sentence
    target_title  varchar,             -- Revert "<title>": the reverted title, maybe cut with …
    target_sha    varchar,             -- This reverts commit <sha>
    loaded_at     timestamp not null,
    primary key (source, repo, said_in, ordinal)
);

-- Which texts the claims above were read from, as they stood, and by which reader: a text is read again when
-- it changes (an edited PR body) or the reader does (etl/parsing/link_model.reader_version).
-- written by: staging/text_claims
create table if not exists meta.text_reads (
    source         varchar   not null,  -- github | git
    repo           varchar   not null,
    said_in        varchar   not null,  -- as in staging.text_claims
    text_sha       varchar   not null,  -- md5 of the title (or subject) and body read
    reader_version varchar   not null,
    read_at        timestamp not null,  -- UTC
    primary key (source, repo, said_in)
);
