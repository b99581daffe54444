-- Full-text index over report text. Chinese has no spaces between words, so text is cut into
-- overlapping two-character pieces (bigrams) of each run of Han characters, and into lower-cased
-- words for everything written in ASCII. A query is cut the same way, by the same macro
-- (search_tokens, in warehouse/macros.sql), so the index and the query never disagree on what a term is.
create schema if not exists search;

-- written by: search/report_index
create table if not exists search.documents (
    doc_id      integer primary key,    -- dense id, small to store in every posting
    report_id   varchar not null unique,
    document_id varchar not null,       -- the report version indexed; a newer version replaces it
    term_count  integer not null,       -- document length in terms, for BM25's length normalisation
    body_text   varchar                 -- the text indexed, kept here in doc_id order so that fetching a
                                        -- few hits for their snippets reads a few blocks, not every report
);

-- written by: search/report_index
create table if not exists search.postings (
    term   varchar not null,
    doc_id integer not null,
    tf     integer not null             -- how often the term occurs in the document
);
