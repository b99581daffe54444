"""Derived layer: links, chains, modules, taxonomy, trends and the public views, on hand-built reports
and on the bundled samples."""

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from etl.pipeline import run_ingest
from etl.taxonomy import glob_to_regex, keyword_pattern

PUBLIC_VIEWS = ["pr_modules", "pr_descriptions", "source_runs", "check_results", "layer_row_counts",
                "search_documents", "search_postings", "pull_requests", "pr_reports", "pr_files", "pr_reviews", "pr_review_comments", "pr_risk_flags",
                "pr_links", "regression_chains", "module_risk", "weekly_trends", "weekly_flag_counts", "pr_module_facts",
                "report_matches", "pr_code_snippets", "quarantine", "pr_risk", "risk_model_versions",
                "github_warnings", "fetch_misses"]
WAREHOUSE_README = Path(__file__).resolve().parents[1] / "warehouse" / "README.md"


def report(number, body, merged="2026-01-05 10:00", path="python/sglang/srt/managers/scheduler.py", flags="核心路径变更"):
    header = f"# PR #{number} 完整报告\n\n- 仓库：o/r\n- 标题：PR {number}\n- 合并时间：{merged}\n\n" if number else ""
    return (f"{header}## 执行摘要\n\n- 一句话：{body or f'报告 {number}'}\n\n## 功能与动机\n\n{body}\n\n"
            f"## 关键文件\n\n- `{path}`（模块 调度器；类别 source）：说明\n\n"
            f"## 风险与影响\n\n- 风险：低风险\n- 风险标记：{flags}\n")


def build(tmp_path: Path, reports: dict[str, str]) -> tuple[Path, object]:
    folder = tmp_path / "reports"
    for name, text in reports.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    summary = run_ingest(str(db), locations=[str(folder)], default_repo="o/r")
    return db, summary


def rows(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def day(n):
    return f"2026-01-{n:02d} 10:00"


@pytest.fixture(scope="module")
def chains_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chains")
    reports = {
        # one link
        "10.md": report(10, "新增功能。", day(1)), "11.md": report(11, "PR #10 引入了这个回归，本 PR 修复。", day(2)),
        # two links: a fix of a fix
        "20.md": report(20, "重构。", day(1)), "21.md": report(21, "修复 #20 引入的问题。", day(3)),
        "22.md": report(22, "修复 PR #21 导致的新回归。", day(6)),
        # three and four links
        **{f"{30 + i}.md": report(30 + i, "起点。" if i == 0 else f"PR #{29 + i} 引入了回归。", day(1 + i)) for i in range(4)},
        **{f"{40 + i}.md": report(40 + i, "起点。" if i == 0 else f"修复 #{39 + i} 导致的回归。", day(1 + i)) for i in range(5)},
        # landed, reverted, re-landed
        "50.md": report(50, "默认开启新调度。", day(1)), "51.md": report(51, "回滚 #50，夜间测试失败。", day(2)),
        "52.md": report(52, "这是 #50 的 re-land，补上了同步。", day(9)),
        # a later PR named by the earlier one's report, with no report of its own
        "60.md": report(60, "该 PR 后被 #61 回滚。", day(4)),
        # an unnumbered report following up a numbered PR
        "70.md": report(70, "拆分预处理。", day(2)),
        "pdf/fix.txt": report(None, "补上遗漏的路径，missing change of PR: #70。"),
        # a plain mention is a link but not a chain
        "80.md": report(80, "与 #10 修改了同一个文件。", day(8)),
    }
    db, summary = build(tmp, reports)
    assert summary.success and not summary.failed_checks, summary.line()
    return db


def chain_of(db, first):
    (found,) = rows(db, f"select member_numbers, length, links, relations from regression_chains "
                        f"where chain_id = 'o/r#{first}'")
    return found


@pytest.mark.parametrize("first, members, relations", [
    (10, [10, 11], ["regression"]),
    (20, [20, 21, 22], ["regression"]),
    (30, [30, 31, 32, 33], ["regression"]),
    (40, [40, 41, 42, 43, 44], ["regression"]),
    (50, [50, 51, 52], ["follow_up", "revert"]),
    (60, [60, 61], ["revert"]),
])
def test_chains_of_one_to_four_links(chains_db, first, members, relations):
    numbers, length, links, found_relations = chain_of(chains_db, first)
    assert numbers == members and length == len(members) and found_relations == relations
    assert links == len(members) - 1


def test_link_directions_and_relations(chains_db):
    links = set(rows(chains_db, "select from_number, to_number, relation from pr_links where to_number is not null"))
    assert {(10, 11, "regression"), (50, 51, "revert"), (50, 52, "follow_up"), (60, 61, "revert"),
            (10, 80, "reference")} <= links
    # The later PR named only by the earlier report is recorded, known by reference.
    assert rows(chains_db, "select has_report, sources from pull_requests where pr_key = 'o/r#61'") == [
        (False, ["reference"])]


def test_unnumbered_endpoint(chains_db):
    ((to_number, to_report_id, relation),) = rows(
        chains_db, "select to_number, to_report_id, relation from pr_links where from_number = 70")
    assert to_number is None and to_report_id.startswith("o/r~") and relation == "follow_up"
    ((members,),) = rows(chains_db, "select members from regression_chains where chain_id = 'o/r#70'")
    assert members == ["o/r#70", to_report_id]


def test_plain_mentions_do_not_make_chains(chains_db):
    assert rows(chains_db, "select count(*) from regression_chains where list_contains(member_numbers, 80)") == [(0,)]


def test_days_to_fix_and_times(chains_db):
    assert rows(chains_db, "select days_to_fix, first_merged_at::varchar, last_merged_at::varchar "
                           "from regression_chains where chain_id = 'o/r#20'") == [
        (2.0, "2026-01-01 10:00:00", "2026-01-06 10:00:00")]


def test_a_cycle_in_bad_data_neither_hangs_nor_crashes(tmp_path):
    # no merge times, so nothing can say which claim is wrong: the text's direction stands for both
    db, summary = build(tmp_path, {
        "1.md": report(1, "PR #2 引入了这个回归。", "未知"),
        "2.md": report(2, "PR #1 引入了这个回归。", "未知"),
        "3.md": report(3, "PR #3 自己引用自己。", "未知"),
    })
    assert "regression_chains_are_acyclic" in summary.failed_checks  # said loudly, not hidden
    assert rows(db, "select members, length from marts.regression_chains") == [(["o/r#1", "o/r#2"], 2)]


def test_a_claim_that_merge_times_deny_is_kept_as_a_reference(tmp_path):
    db, summary = build(tmp_path, {
        "1.md": report(1, "PR #2 引入了这个回归。", day(1)),  # #2 merged after #1: it cannot have broken it
        "2.md": report(2, "PR #1 引入了这个回归。", day(2)),
    })
    assert summary.failed_checks == []
    assert rows(db, "select from_number, to_number, relation from pr_links order by all") == [(1, 2, "regression")]
    assert rows(db, "select distinct cue from intermediate.link_claims where relation = 'reference'") == [
        ("R引入/against_merge_order",)]


def test_modules_from_rules_and_default(chains_db, tmp_path):
    db, _ = build(tmp_path, {
        "1.md": report(1, "x", path="test/srt/test_radix_cache.py"),  # a rule for every repo
        "2.md": report(2, "x", path="python/r/deep/er/file.py"),
        "3.md": report(3, "x", path="README.md"),
    })
    assert rows(db, "select number, module, module_label from pr_files order by number") == [
        (1, "tests", "调度器"), (2, "deep/er", "调度器"), (3, "(root)", "调度器")]


def test_repo_specific_rules_and_labels_fold_into_one_module(sample_db):
    # 调度器 and srt/managers are two labels of one canonical module; 推测解码 and 投机解码 likewise.
    found = rows(sample_db, """select module, list(distinct module_label order by module_label) from pr_files
                               where module in ('srt/scheduler', 'srt/speculative') group by module order by module""")
    assert found == [("srt/scheduler", ["srt/managers", "调度器", "调度策略"]), ("srt/speculative", ["投机解码", "推测解码"])]


def test_glob_and_keyword_patterns():
    import re
    assert re.fullmatch(glob_to_regex("python/sglang/srt/mem_cache/**"), "python/sglang/srt/mem_cache/a/b.py")
    assert not re.fullmatch(glob_to_regex("test/*.py"), "test/a/b.py")
    assert re.search(keyword_pattern("npu"), "npu 平台") and not re.search(keyword_pattern("npu"), "input check")
    assert re.search(keyword_pattern("missing test"), "missing tests")


# --- on the bundled samples -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("samples") / "w.duckdb"
    summary = run_ingest(str(db), locations=[], include_sample=True)
    assert summary.success and not summary.failed_checks, summary.line()
    assert "risk_flags_are_mapped" not in summary.check_warnings
    return db


def test_seed_chains_come_out_as_chains(sample_db):
    chains = dict(rows(sample_db, "select chain_id, members from regression_chains"))
    assert chains["sgl-project/sglang#20978"] == ["sgl-project/sglang#20978", "sgl-project/sglang#22598"]
    pp_fix = chains["sgl-project/sglang#25945"]
    assert pp_fix[0] == "sgl-project/sglang#25945" and pp_fix[1].startswith("sgl-project/sglang~")
    assert chains["sgl-project/sglang#23140"][-1] == "sgl-project/sglang#23251"
    assert chains["sgl-project/sglang#24010"] == [f"sgl-project/sglang#{n}" for n in (24010, 24077, 24150)]


def test_every_sample_flag_maps_to_a_canonical_flag(sample_db):
    assert rows(sample_db, "select flag from pr_risk_flags where canonical_flag = 'other'") == []
    mapped = dict(rows(sample_db, "select flag, any_value(canonical_flag) from pr_risk_flags group by flag"))
    assert mapped["缺少测试覆盖"] == "missing-tests" and mapped["PP 专属路径"] == "parallelism-specific"
    assert mapped["dtype 一致性"] == "dtype-consistency" and mapped["特定硬件依赖"] == "hardware-specific"


def test_module_risk_and_weekly_trends_add_up(sample_db):
    assert rows(sample_db, "select count(*) > 0 from module_risk") == [(True,)]
    (merged, weekly, empty_weeks), = rows(sample_db, """
        select (select count(*) from pull_requests where merged_at is not null),
               (select sum(prs_merged) from weekly_trends where module = '(all)'),
               (select count(*) from weekly_trends where module = '(all)' and prs_merged = 0)""")
    assert merged == weekly == 29 and empty_weeks > 0
    (fixed,), = rows(sample_db, "select regressions_fixed from module_risk where module = 'srt/attention'")
    assert fixed == 1  # #22598 fixed the regression #20978 introduced


def test_views_open_without_project_code(sample_db, tmp_path):
    script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
              f"print(all(con.execute('select count(*) from ' + v).fetchone()[0] >= 0 for v in {PUBLIC_VIEWS!r}))")
    result = subprocess.run([sys.executable, "-I", "-c", script, str(sample_db)], capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.stdout.strip() == "True", result.stderr


def test_every_public_view_and_column_is_documented(sample_db):
    """warehouse/README.md is the contract for ad-hoc SQL: a section per view naming each of its columns."""
    text = WAREHOUSE_README.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### (\w+)\n(.*?)(?=^##)", text, flags=re.S | re.M))
    with duckdb.connect(str(sample_db), read_only=True) as con:
        views = [r[0] for r in con.execute("select view_name from duckdb_views() where schema_name = 'main' "
                                           "and not internal").fetchall()]
        assert sorted(views) == sorted(PUBLIC_VIEWS)
        for view in views:
            assert view in sections, f"no section for {view}"
            columns = [r[0] for r in con.execute(f"describe {view}").fetchall()]
            missing = [c for c in columns if not re.search(rf"\b{c}\b", sections[view])]
            assert not missing, f"{view}: undocumented columns {missing}"


def test_models_build_after_their_inputs_and_a_broken_one_is_named(tmp_path):
    from etl.db import apply_schema, connect
    from etl.models import Model, build_models

    sql = {"intermediate.a": "select 1 as x", "intermediate.b": "select x + 1 as x from intermediate.a",
           "marts.c": "select a.x, b.x as y from intermediate.a a, intermediate.b b",
           "marts.d": "select 4 as x", "marts.e": "select x from marts.c union all select x from marts.d"}
    models = []
    for table, text in sql.items():
        layer, name = table.split(".")
        (tmp_path / f"{name}.sql").write_text(text, encoding="utf-8")
        models.append(Model(layer, name, tmp_path / f"{name}.sql"))
    with connect(tmp_path / "w.duckdb") as con:
        apply_schema(con)
        done = [model.table for model, _, rebuilt in build_models(con, models, dict.fromkeys(sql, "f1"), {}) if rebuilt]
        assert sorted(done) == sorted(sql)
        for table in sql:  # every model after the models it reads
            assert all(done.index(m.table) < done.index(table) for m in models if m.table in sql[table])
        assert con.execute("select * from marts.e order by x").fetchall() == [(1,), (4,)]
        assert con.execute("select count(*) from meta.model_builds where fingerprint = 'f1'").fetchone()[0] == 5

        # kept tables are not rebuilt; a broken model is named, and what reads it is not built
        (tmp_path / "d.sql").write_text("select x from no_such_table", encoding="utf-8")
        built = []
        with pytest.raises(duckdb.Error, match=r"building marts\.d"):
            for model, rows, rebuilt in build_models(con, models, dict.fromkeys(sql, "f2"), {"intermediate.a": 1}):
                built.append((model.table, rows, rebuilt))
        assert ("intermediate.a", 1, False) in built and "marts.e" not in {t for t, _, _ in built}
        # the broken build was undone: marts.d is still the table built before, recorded as built from f1
        assert con.execute("select * from marts.d").fetchall() == [(4,)]
        assert con.execute("select fingerprint from meta.model_builds where model = 'marts.d'").fetchall() == [("f1",)]


def test_editing_one_mart_rebuilds_that_mart_and_what_reads_it(tmp_path):
    """A model's fingerprint covers its own SQL, the macros and what it reads: an edit to one mart changes its
    fingerprint and those of the models that read it, and no other."""
    from etl.db import apply_schema, connect
    from etl.models import Model, discover, fingerprints, in_build_order

    models = in_build_order(discover())
    with connect(tmp_path / "w.duckdb") as con:
        apply_schema(con)
        before = fingerprints(con, models)
        edited = tmp_path / "pr_module_facts.sql"
        original = next(m for m in models if m.table == "marts.pr_module_facts")
        edited.write_text(original.sql + "\n-- an edit\n", encoding="utf-8")
        after = fingerprints(con, [Model("marts", "pr_module_facts", edited) if m is original else m for m in models])
    changed = {table for table in before if before[table] != after[table]}
    readers = {"marts.module_risk", "marts.weekly_trends", "marts.weekly_flag_counts"}
    assert changed == {"marts.pr_module_facts", *readers}


def test_model_dependencies_are_read_with_a_sql_parser_that_knows_a_cte_from_a_table(tmp_path):
    from etl.models import Model

    path = tmp_path / "m.sql"
    path.write_text("-- reads marts.not_this (a comment)\nwith staging as (select 1 as x), pull_requests as "
                    "(select * from marts.pull_requests)\nselect * from pull_requests, staging, "
                    "'marts.nor_this' as s join intermediate.reports r on true", encoding="utf-8")
    assert Model("marts", "m", path).reads == {"marts.pull_requests", "intermediate.reports"}
