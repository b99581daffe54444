-- Bring search.* up to date with staging.reports, touching only reports that changed: a report whose
-- latest version differs from the one indexed (or that is gone) is dropped and indexed again.
create or replace temp table stale_documents as
select d.doc_id
from search.documents d
left join staging.reports r using (report_id)
where r.document_id is distinct from d.document_id;

delete from search.postings where doc_id in (select doc_id from stale_documents);
delete from search.documents where doc_id in (select doc_id from stale_documents);

create or replace temp table reports_to_index as
select (select coalesce(max(doc_id), 0) from search.documents) + row_number() over (order by r.report_id) as doc_id,
       r.report_id, r.document_id, search_tokens(r.body_text) as terms, r.body_text
from staging.reports r
where not exists (select 1 from search.documents d where d.report_id = r.report_id);

insert into search.documents
select doc_id, report_id, document_id, len(terms), body_text from reports_to_index order by doc_id;

-- sorted by term, so a lookup reads only the row groups whose min/max range holds its terms
insert into search.postings
select term, doc_id, count(*) as tf
from (select doc_id, unnest(terms) as term from reports_to_index)
group by term, doc_id
order by term, doc_id;

drop table stale_documents;
drop table reports_to_index;
