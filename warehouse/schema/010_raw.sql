-- Raw layer: every document exactly as received. Rows are only ever added: a changed document is a
-- new row (new sha256), and the same bytes from the same place are never stored twice.
create schema if not exists raw;

-- written by: raw/documents, raw/report_site
create table if not exists raw.documents (
    document_id  varchar primary key,   -- hash of (source_uri, sha256): one version at one place
    source_uri   varchar   not null,    -- absolute path or URL it was read from
    sha256       varchar   not null,    -- of content
    byte_size    bigint    not null,
    content      blob      not null,    -- the bytes as received
    received_at  timestamp not null,    -- UTC
    ingest_run   varchar                -- Dagster run id of the run that stored it
);

-- Size and modification time of each local file when it was last read, so that an unchanged file is
-- not read and hashed again (the same shortcut git's index takes).
create schema if not exists meta;
-- written by: raw/documents
create table if not exists meta.file_stats (
    source_uri varchar primary key,
    byte_size  bigint not null,
    mtime_ns   bigint not null,
    sha256     varchar not null
);

-- Entries found in a report location but not read: a dangling or looping link, a link out of the folder,
-- a pipe or device, a file the process may not open, one over the size limit, a failed download. One row
-- per location, the latest reason; it goes once the location is read.
-- written by: raw/documents
create table if not exists meta.unread_sources (
    source_uri  varchar primary key,
    reason      varchar   not null,    -- broken_link | link_loop | link_outside_folder | link_to_folder |
                                       -- not_a_regular_file | unreadable | too_large | fetch_failed
    detail      varchar,
    seen_at     timestamp not null,    -- UTC
    ingest_run  varchar
);
