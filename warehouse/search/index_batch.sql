-- Index the reports_to_index rows with $first <= doc_id < $last: one posting per term and document, sorted
-- by term so a lookup reads only the row groups whose min/max range holds its terms; then each document's
-- text and term count (the sum of its postings: the text is cut into terms once).
insert into search.postings
select term, doc_id, count(*) as tf
from (
    select b.doc_id, unnest(search_tokens(r.body_text)) as term
    from reports_to_index b join staging.reports r using (report_id)
    where b.doc_id >= $first and b.doc_id < $last
)
group by term, doc_id
order by term, doc_id;

insert into search.documents
select b.doc_id, b.report_id, b.document_id, coalesce(p.term_count, 0), r.body_text
from reports_to_index b
join staging.reports r using (report_id)
left join (
    select doc_id, sum(tf)::integer as term_count
    from search.postings
    where doc_id >= $first and doc_id < $last
    group by doc_id
) p using (doc_id)
where b.doc_id >= $first and b.doc_id < $last
order by b.doc_id;
