-- SQL macros for models, dashboards and ad-hoc SQL. A DuckDB file stores them; DuckLake stores no
-- functions, so on DuckLake every session creates them as temporary macros (etl/db.py).

-- Cut text into search terms: lower-cased ASCII words, and overlapping two-character pieces (bigrams)
-- of each run of Han characters, since Chinese has no spaces between words. A run is cut every 64
-- characters: `substr` walks a string from its start, so the pieces of one unbroken run cost the square of
-- its length (a hostile report of 40,000 Han characters without punctuation took 4.8 s, 200,000 about two
-- minutes). Prose has a stop long before 64 characters; a longer run loses one pair in 64.
create or replace macro search_tokens(txt) as flatten(list_transform(
    regexp_extract_all(lower(coalesce(txt, '')),
                       '[a-z0-9_]{2,}|[\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{f900}-\x{faff}]{1,64}'),
    token -> case when length(token) = 1 or regexp_matches(token, '^[a-z0-9_]') then [token]
                  else list_transform(range(1, length(token)), i -> substr(token, i, 2)) end));

-- A pull request's key across every layer: "owner/repo#123".
create or replace macro pr_key(repo, number) as repo || '#' || number;
