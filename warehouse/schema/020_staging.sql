-- Staging layer: what the parser read from each raw document, one-to-one with what was received: one
-- row per parsed document version in staging.report_versions; child tables hang off document_id and
-- repeat (report_id, repo, pr_number) so they can be joined to pull requests directly. Older versions are kept; staging.reports picks the
-- latest per report.
create schema if not exists staging;

-- written by: staging/reports
create table if not exists staging.report_versions (
    document_id          varchar primary key,
    report_id            varchar   not null,  -- 'owner/repo#123', or 'owner/repo~<hash>' when unnumbered
    repo                 varchar,
    pr_number            integer,
    title                varchar,
    display_title        varchar   not null,  -- title, else the one-liner
    merged_at            timestamp,           -- as written in the report
    author               varchar,
    source_url           varchar,             -- the report's original link, else the provenance comment's URL
    provenance_url       varchar,             -- the URL a `<!-- source: <url> -->` comment names
    source_uri           varchar   not null,  -- where this version was read from
    identity_source      varchar   not null,  -- header | location | link | surrogate
    repo_source          varchar,             -- header | location | link | default
    one_liner            varchar,
    recommendation       varchar,
    summary              varchar,
    motivation           varchar,
    implementation       varchar,
    implementation_steps varchar[],
    key_symbols          varchar[],
    review_summary       varchar,
    reviewers_named      varchar[],
    risk_text            varchar,
    risk_level           varchar   not null,  -- low | medium | high | unknown
    impact               varchar,
    changed_files        integer,             -- the change's size as the site's PR page states it
    commits              integer,
    comments             integer,
    additions            integer,
    deletions            integer,
    sections_found       varchar[],
    warnings             varchar[],
    encoding             varchar   not null,
    body_text            varchar   not null,  -- the decoded document
    received_at          timestamp not null,
    parsed_at            timestamp not null,
    parser_version       varchar   not null
);

-- Warehouses made before the report site's PR page was read gain its columns (empty for what was parsed then).
alter table staging.report_versions add column if not exists provenance_url varchar;
alter table staging.report_versions add column if not exists changed_files integer;
alter table staging.report_versions add column if not exists commits integer;
alter table staging.report_versions add column if not exists comments integer;
alter table staging.report_versions add column if not exists additions integer;
alter table staging.report_versions add column if not exists deletions integer;

-- written by: staging/reports
create table if not exists staging.report_key_files (
    document_id  varchar not null,
    report_id    varchar not null,
    repo         varchar,
    pr_number    integer,
    ordinal      integer not null,
    path         varchar not null,
    module_label varchar,
    category     varchar,
    file_type    varchar,
    symbols      varchar[],
    description  varchar,
    status       varchar,
    importance   varchar
);

-- written by: staging/reports
create table if not exists staging.report_code_snippets (
    document_id varchar not null,
    report_id   varchar not null,
    repo        varchar,
    pr_number   integer,
    ordinal     integer not null,
    path        varchar,
    language    varchar,
    description varchar,
    code        varchar not null
);

-- written by: staging/reports
create table if not exists staging.report_review_highlights (
    document_id varchar not null,
    report_id   varchar not null,
    repo        varchar,
    pr_number   integer,
    ordinal     integer not null,
    topic       varchar not null,
    category    varchar,
    text        varchar,
    people      varchar[]
);

-- written by: staging/reports
create table if not exists staging.report_risk_flags (
    document_id varchar not null,
    report_id   varchar not null,
    repo        varchar,
    pr_number   integer,
    ordinal     integer not null,
    flag        varchar not null
);

-- written by: staging/reports
create table if not exists staging.report_references (
    document_id   varchar not null,
    report_id     varchar not null,
    repo          varchar,
    pr_number     integer,
    ordinal       integer not null,
    ref_repo      varchar,
    ref_number    integer not null,
    ref_kind      varchar not null,  -- pr | issue
    relation      varchar not null,  -- regression | revert | follow_up | reference
    referenced_is varchar not null,  -- earlier | later: which side of the relation the referenced PR is
    section       varchar not null,
    sentence      varchar not null,
    ref_title     varchar,
    cue           varchar,           -- the rule of etl/parsing/relations.py that read the relation
    detail        varchar            -- e.g. supersedes
);
-- Warehouses made before the cue was kept gain the columns (empty for what was parsed then).
alter table staging.report_references add column if not exists cue varchar;
alter table staging.report_references add column if not exists detail varchar;

-- written by: staging/reports
create table if not exists staging.quarantine (
    document_id    varchar primary key,
    source_uri     varchar   not null,
    sha256         varchar   not null,
    byte_size      bigint    not null,
    reason         varchar   not null,  -- empty | binary | undecodable | not_a_report | parser_error
    detail         varchar   not null,
    quarantined_at timestamp not null
);

-- The latest version of each report (by time received, then document id for a stable tie-break).
create or replace view staging.reports as
select *
from staging.report_versions
qualify row_number() over (partition by report_id order by received_at desc, document_id desc) = 1;
