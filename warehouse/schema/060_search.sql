-- Full-text index over report text. Chinese has no spaces between words, so text is cut into
-- overlapping two-character pieces (bigrams) of each run of Han characters, and into lower-cased
-- words for everything written in ASCII. A query is cut the same way, by the same macro, so the
-- index and the query can never disagree on what a term is.
create schema if not exists search;

create or replace macro search.tokens(txt) as flatten(list_transform(
    regexp_extract_all(lower(coalesce(txt, '')),
                       '[a-z0-9_]{2,}|[\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{f900}-\x{faff}]+'),
    token -> case when length(token) = 1 or regexp_matches(token, '^[a-z0-9_]') then [token]
                  else list_transform(range(1, length(token)), i -> substr(token, i, 2)) end));

create table if not exists search.documents (
    doc_id      integer primary key,    -- dense id, small to store in every posting
    report_id   varchar not null unique,
    document_id varchar not null,       -- the report version indexed; a newer version replaces it
    term_count  integer not null,       -- document length in terms, for BM25's length normalisation
    body_text   varchar                 -- the text indexed, kept here in doc_id order so that fetching a
                                        -- few hits for their snippets reads a few blocks, not every report
);

create table if not exists search.postings (
    term   varchar not null,
    doc_id integer not null,
    tf     integer not null             -- how often the term occurs in the document
);
