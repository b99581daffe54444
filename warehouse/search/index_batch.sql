-- Index the reports_to_index rows with $first <= doc_id < $last: their text, and one posting per term and
-- document, sorted by term so a lookup reads only the row groups whose min/max range holds its terms.
create or replace temp table batch_terms as
select b.doc_id, b.report_id, b.document_id, r.body_text, search_tokens(r.body_text) as terms
from reports_to_index b join staging.reports r using (report_id)
where b.doc_id >= $first and b.doc_id < $last;

insert into search.documents
select doc_id, report_id, document_id, len(terms), body_text from batch_terms order by doc_id;

insert into search.postings
select term, doc_id, count(*) as tf
from (select doc_id, unnest(terms) as term from batch_terms)
group by term, doc_id
order by term, doc_id;

drop table batch_terms;
