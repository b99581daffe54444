-- Bring search.* up to date with staging.reports, touching only reports that changed: a report whose
-- latest version differs from the one indexed (or that is gone) is dropped and indexed again. The reports
-- to index get their doc_ids here; etl/ingest/search_index.py then cuts them into terms a batch at a time
-- (index_batch.sql), so memory holds one batch's terms, never the corpus's.
create or replace temp table stale_documents as
select d.doc_id
from search.documents d
left join staging.reports r using (report_id)
where r.document_id is distinct from d.document_id;

delete from search.postings where doc_id in (select doc_id from stale_documents);
delete from search.documents where doc_id in (select doc_id from stale_documents);

create or replace temp table reports_to_index as
select (select coalesce(max(doc_id), 0) from search.documents) + row_number() over (order by r.report_id) as doc_id,
       r.report_id, r.document_id
from staging.reports r
where not exists (select 1 from search.documents d where d.report_id = r.report_id);

drop table stale_documents;
