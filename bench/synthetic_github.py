"""Fill staging.github_pulls, staging.github_files and staging.github_reviews with synthetic rows, in SQL (the
collector's own speed is bench_github.py's subject; this only gives the marts GitHub-sized volume).
PR numbers start at 10000 like bench/synthetic_reports.py, with the same repo per number, so the first
PRs also have reports.

    python bench/synthetic_github.py WAREHOUSE.duckdb --prs 100000 --files-per-pr 10
"""

from __future__ import annotations

import argparse

import duckdb
from synthetic_reports import REPOS

# Folders that map to a spread of canonical modules (config/module_rules.csv or the two-folder default).
FOLDERS = [
    "python/sglang/srt/managers", "python/sglang/srt/mem_cache", "python/sglang/srt/layers/attention",
    "python/sglang/srt/layers/moe", "python/sglang/srt/layers/quantization", "python/sglang/srt/speculative",
    "python/sglang/srt/model_executor", "python/sglang/srt/models", "python/sglang/srt/lora",
    "python/sglang/srt/disaggregation", "python/sglang/srt/distributed", "python/sglang/srt/entrypoints",
    "python/sglang/srt/sampling", "python/sglang/srt/constrained", "python/sglang/srt/function_call",
    "python/sglang/multimodal_gen/runtime", "sgl-kernel/csrc/moe", "sgl-kernel/csrc/attention",
    "sgl-kernel/python/sgl_kernel", "test/srt", "test/registered/amd", "benchmark/kernels", "docs/advanced_features",
    "scripts/ci", "python/sglang/srt/configs", "python/sglang/srt/eplb", "python/sglang/srt/hardware_backend/npu",
]


def fill(database: str, prs: int, files_per_pr: int) -> dict[str, int]:
    con = duckdb.connect(database)
    con.execute("create or replace temp table repos as select unnest($repos) as repo, "
                "generate_subscripts($repos, 1) - 1 as slot", {"repos": REPOS})
    con.execute("create or replace temp table folders as select unnest($folders) as folder, "
                "generate_subscripts($folders, 1) - 1 as slot", {"folders": FOLDERS})
    con.execute("""
        insert into staging.github_pulls by name
        select r.repo, 10000 + i as number,
               'Synthetic change ' || i || ' to ' || f.folder as title,
               'Body of synthetic PR ' || i as body,
               'dev' || (i % 700) as author, i % 40 = 0 as author_is_bot,
               case when i % 25 = 0 then 'open' else 'closed' end as state, false as draft,
               timestamp '2025-06-01' + to_minutes(37 * i) - interval 2 day as created_at,
               timestamp '2025-06-01' + to_minutes(37 * i) + interval 1 hour as updated_at,
               case when i % 25 = 0 or i % 25 = 1 then null
                    else timestamp '2025-06-01' + to_minutes(37 * i) - interval 8 hour end as merged_at,
               case when i % 25 = 0 then null
                    else timestamp '2025-06-01' + to_minutes(37 * i) - interval 8 hour end as closed_at,
               'main' as base_ref, 'feature-' || i as head_ref, md5(i::varchar) || '0000000' as merge_commit_sha,
               null as additions, null as deletions, $files as changed_files,
               case when i % 7 = 0 then ['bug'] else [] end as labels,
               'https://github.com/' || r.repo || '/pull/' || (10000 + i) as html_url,
               'synthetic' as response_id, now()::timestamp as loaded_at
        from range($prs) t(i)
        join repos r on r.slot = i % len($repos)
        join folders f on f.slot = i % len($folders)
    """, {"prs": prs, "files": files_per_pr, "repos": REPOS, "folders": FOLDERS})
    con.execute("""
        insert into staging.github_files by name
        select p.repo, p.number,
               f.folder || '/file_' || ((p.number * 7 + k * 13) % 90) || '_' || k || '.py' as path,
               case when k = 0 and p.number % 11 = 0 then 'added' else 'modified' end as status,
               (p.number * 31 + k * 17) % 120 as additions, (p.number * 13 + k * 7) % 40 as deletions,
               null as previous_path, p.loaded_at
        from staging.github_pulls p cross join range($files) t(k)
        join folders f on f.slot = (p.number + k * 5) % len($folders)
    """, {"files": files_per_pr, "folders": FOLDERS})
    con.execute("""
        update staging.github_pulls p set additions = s.additions, deletions = s.deletions
        from (select repo, number, sum(additions) as additions, sum(deletions) as deletions
              from staging.github_files group by all) s
        where s.repo = p.repo and s.number = p.number
    """)
    con.execute("""
        insert into staging.github_reviews by name
        select p.repo, p.number, p.number * 10 + k as review_id,
               case when k = 0 then 'gemini-code-assist[bot]' else 'maintainer' || (p.number % 40) end as reviewer,
               k = 0 as reviewer_is_bot,
               case when k = 0 then 'COMMENTED' when p.number % 9 = 0 then 'CHANGES_REQUESTED' else 'APPROVED' end
                   as state,
               p.created_at + interval 1 day as submitted_at, 'Review ' || k || ' of PR ' || p.number as body,
               p.merge_commit_sha as commit_id, p.loaded_at
        from staging.github_pulls p cross join range(2) t(k)
    """)
    counts = dict(con.execute("""
        select 'github_pulls', count(*) from staging.github_pulls union all
        select 'github_files', count(*) from staging.github_files union all
        select 'github_reviews', count(*) from staging.github_reviews""").fetchall())
    con.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database")
    parser.add_argument("--prs", type=int, default=100_000)
    parser.add_argument("--files-per-pr", type=int, default=10)
    args = parser.parse_args()
    print(fill(args.database, args.prs, args.files_per_pr))


if __name__ == "__main__":
    main()
