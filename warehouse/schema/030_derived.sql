-- Schemas of the derived layers (tables inside are built by the metrics step from warehouse/models/),
-- and the record of what each model was last built from, so unchanged models are not rebuilt.
create schema if not exists config;
create schema if not exists intermediate;
create schema if not exists marts;
create schema if not exists meta;

create table if not exists meta.model_builds (
    model       varchar primary key,  -- schema.table
    fingerprint varchar,              -- inputs_fingerprint() at build time
    built_at    timestamp,            -- UTC
    row_count   bigint
);
