-- Index the reports_to_index rows with $first <= doc_id < $last, whose versions lie in the rowid range
-- $first_row..$last_row of staging.report_versions (a scan of that stretch only): one posting per term and
-- document, sorted by term so a lookup reads only the row groups whose min/max range holds its terms; then
-- each document's text and term count (the sum of its postings: the text is cut into terms once).
insert into search.postings
select term, doc_id, count(*) as tf
from (
    select b.doc_id, unnest(search_tokens(v.body_text)) as term
    from reports_to_index b join staging.report_versions v on v.rowid = b.version_row
    where b.doc_id >= $first and b.doc_id < $last and v.rowid between $first_row and $last_row
)
group by term, doc_id
order by term, doc_id;

insert into search.documents
select b.doc_id, b.report_id, b.document_id, coalesce(p.term_count, 0), v.body_text
from reports_to_index b
join staging.report_versions v on v.rowid = b.version_row
left join (
    select doc_id, sum(tf)::integer as term_count
    from search.postings
    where doc_id >= $first and doc_id < $last
    group by doc_id
) p using (doc_id)
where b.doc_id >= $first and b.doc_id < $last and v.rowid between $first_row and $last_row
order by b.doc_id;
