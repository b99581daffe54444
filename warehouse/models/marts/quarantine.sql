-- What could not be read: documents quarantined with their reason, and entries of a report location that
-- were found but never read (their size and hash unknown).
with parsed_failures as (
    select document_id, source_uri, reason, detail, byte_size, sha256, quarantined_at
    from staging.quarantine
),

unread_entries as (
    select null::varchar as document_id, source_uri, reason, detail, null::bigint as byte_size,
           null::varchar as sha256, seen_at as quarantined_at
    from meta.unread_sources
)

select * from parsed_failures
union all
select * from unread_entries
