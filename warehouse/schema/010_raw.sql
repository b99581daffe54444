-- Raw layer: every document exactly as received. Rows are only ever added: a changed document is a
-- new row (new sha256), and the same bytes from the same place are never stored twice.
create schema if not exists raw;

create table if not exists raw.documents (
    document_id  varchar primary key,   -- hash of (source_uri, sha256): one version at one place
    source_uri   varchar   not null,    -- absolute path or URL it was read from
    sha256       varchar   not null,    -- of content
    byte_size    bigint    not null,
    content      blob      not null,    -- the bytes as received
    received_at  timestamp not null,    -- UTC
    ingest_run   varchar                -- Dagster run id of the run that stored it
);
