"""Write N synthetic reports in the seeds' formats (markdown with header, plain-text header, PDF-style
without header, site layout), deterministic for a given seed. Used by the benchmark and by tests.

    python bench/synthetic_reports.py OUT_DIR --count 20000
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from pathlib import Path

REPOS = ["sgl-project/sglang"] * 8 + ["flashinfer-ai/flashinfer", "vllm-project/vllm"]
FILES = [
    ("python/sglang/srt/managers/scheduler.py", "调度器"), ("python/sglang/srt/mem_cache/radix_cache.py", "前缀缓存"),
    ("python/sglang/srt/mem_cache/memory_pool.py", "内存池"), ("python/sglang/srt/layers/attention/aiter_backend.py", "注意力后端"),
    ("python/sglang/srt/speculative/eagle_worker.py", "投机解码"), ("python/sglang/srt/speculative/eagle_utils.py", "推测解码"),
    ("python/sglang/srt/model_executor/cuda_graph_runner.py", "模型执行器"), ("sgl-kernel/csrc/moe/moe_align_kernel.cu", "sgl-kernel"),
    ("python/sglang/multimodal_gen/runtime/pipelines_core/executors/pipeline_executor.py", "执行器"),
    ("python/sglang/srt/lora/lora_manager.py", "LoRA"), ("test/srt/test_radix_cache.py", "测试"),
    ("python/sglang/srt/disaggregation/utils.py", "输出缓冲"), ("python/sglang/srt/server_args.py", "服务参数"),
]
FLAGS = ["缺少测试覆盖", "核心路径变更", "特定硬件依赖", "PP 专属路径", "缓冲区大小管理", "`dtype` 一致性", "性能",
         "并发安全", "默认配置变更", "返回类型不一致", "死锁风险", "数值精度"]
LEVELS = ["风险较低", "低风险", "风险中等", "中等风险", "高风险"]
VERBS = ["修复", "优化", "重构", "支持", "回退", "加速", "简化"]
THINGS = ["调度循环中的拷贝", "CUDA 图初始化", "前缀缓存淘汰", "投机解码的 draft 树", "显存池计数", "LoRA 批处理",
          "权重热更新的锁", "NPU 量化加载", "分层缓存回写", "流水线并行 profiling"]
MOTIVES = [
    "原实现在高并发下会反复分配缓冲区，导致延迟抖动。",
    "用户报告在特定硬件上出现偶发崩溃，根因是张量状态不一致。",
    "该路径此前没有测试覆盖，重构时遗漏了一处调用。",
    "为了提升吞吐，需要减少调度线程上的同步等待。",
]


def _report(rng: random.Random, number: int, repo: str, merged: datetime, older: list[int]) -> tuple[str, str]:
    files = rng.sample(FILES, rng.randint(1, 4))
    flags = rng.sample(FLAGS, rng.randint(1, 3))
    title = f"{rng.choice(VERBS)} {rng.choice(THINGS)} (synthetic {number})"
    one_liner = f"{rng.choice(VERBS)}{rng.choice(THINGS)}，编号 {number}。"
    relation = ""
    if older and rng.random() < 0.25:
        target = rng.choice(older)
        relation = rng.choice([f"PR #{target} 引入了这个回归，本 PR 修复它。", f"回滚 #{target}，问题待查。",
                               f"这是 missing change of PR: #{target}。", f"与 #{target} 修改了同一模块。"])
    key_files = "\n".join(
        f"- `{path}`（模块 {module}；类别 source；类型 core-logic；符号 f{number}_{i}, g{i}）：第 {i} 个关键文件的说明，"
        f"描述它在本次改动中的作用。" for i, (path, module) in enumerate(files))
    snippet = (f"`{files[0][0]}`\n\n核心改动。\n\n```python\ndef f{number}(batch):\n    # keep the buffer alive\n"
               f"    if batch.size > {number % 97}:\n        batch.grow()\n    return batch\n```\n")
    body = f"""## 执行摘要

- 一句话：{one_liner}
- 推荐动作：{rng.choice(["值得精读。", "快速浏览即可。", "关注边界条件。"])}

## 功能与动机

{rng.choice(MOTIVES)}{relation}{rng.choice(MOTIVES)}

## 实现拆解

1. 在 `{files[0][0]}` 中调整主要逻辑，{rng.choice(MOTIVES)}
2. 补充相应的检查与日志，{rng.choice(MOTIVES)}

## 关键文件

{key_files}

关键符号：f{number}_0, g0

## 关键源码片段

{snippet}
## 评论区精华

reviewer{number % 50} 建议补充测试，作者 `author{number % 30}` 回应已经加入。

- 测试覆盖 (correctness)：补充了单元测试。

## 风险与影响

- 风险：{rng.choice(LEVELS)}，{rng.choice(MOTIVES)}
- 影响：{rng.choice(MOTIVES)}
- 风险标记：{"、".join(flags)}

## 关联脉络

- 暂无明显关联 PR
"""
    style = rng.random()
    stamp = merged.strftime("%Y-%m-%d %H:%M")
    if style < 0.5:  # markdown header, site layout
        text = f"# PR #{number} 完整报告\n\n- 仓库：{repo}\n- 标题：{title}\n- 合并时间：{stamp}\n\n{body}"
        return f"{repo}/pull/{number}/report.md", text
    if style < 0.85:  # plain-text header
        plain = body.replace("## ", "").replace("```python\n", "```\n")
        text = f"\n\nPR #{number} 完整报告\n\n{repo}\n\n{title}\n\n合并时间: {stamp}\n\n" \
               f"原文链接: <http://prhub.com.cn/{repo}/pull/{number}>\n\n{plain}"
        return f"plain/{number}.txt", text
    # PDF extract: no header, no number, no fences
    pdf = body.replace("## ", "").replace("```python\n", "").replace("```\n", "").replace("\n\n", "\n")
    return f"pdf/{number}.txt", pdf


def write_corpus(out: Path, count: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    start = datetime(2025, 6, 1)
    older: list[int] = []
    for i in range(count):
        number = 10000 + i
        repo = REPOS[i % len(REPOS)]
        merged = start + timedelta(minutes=37 * i)
        rel, text = _report(rng, number, repo, merged, older[-500:])
        older.append(number)
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write_corpus(args.out, args.count, args.seed)


if __name__ == "__main__":
    main()
