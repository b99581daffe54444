"""Build a synthetic git repository with N commits through `git fast-import` (seconds, not minutes):
mostly squash merges titled "... (#N)", a merged PR branch every 50 commits, renames and binary files
now and then. Deterministic for a given seed. Used by the git benchmark and the tests.

    python bench/synthetic_git.py OUT_DIR --commits 20000
"""

from __future__ import annotations

import argparse
import random
import subprocess
from pathlib import Path

AREAS = ["python/sglang/srt/managers", "python/sglang/srt/mem_cache", "python/sglang/srt/layers/attention",
         "python/sglang/srt/speculative", "python/sglang/srt/model_executor", "sgl-kernel/csrc/moe",
         "python/sglang/srt/lora", "test/srt", "docs/backend", "python/sglang/srt/disaggregation"]
TOPICS = ["scheduler copy", "CUDA graph warmup", "radix cache eviction", "draft tree", "memory pool accounting",
          "LoRA batching", "weight update lock", "NPU quantization", "hierarchical cache", "PP profiling"]
START = 1_700_000_000  # 2023-11-14, seconds since the epoch


def _blob(text: str) -> bytes:
    data = text.encode()
    return b"data %d\n%s\n" % (len(data), data)


def fast_import_stream(commits: int, seed: int = 7, first_pr: int = 1000, start_commit: int = 0):
    """Yield the fast-import commands for `commits` commits on refs/heads/main (appending after
    `start_commit` earlier ones when that is not zero)."""
    rng = random.Random(seed + start_commit)
    paths = [f"{rng.choice(AREAS)}/module_{i}.py" for i in range(3000)]
    pr = first_pr + start_commit
    existing: list[str] = []  # paths this stream has written, so renames have a source
    moment = START + start_commit * 3600
    for index in range(start_commit, start_commit + commits):
        moment += rng.randint(600, 7200)
        pr += 1
        who = f"dev{rng.randint(1, 200)}"
        topic = rng.choice(TOPICS)
        branch_merge = index % 50 == 49 and index > 0
        ref = "refs/heads/feature" if branch_merge else "refs/heads/main"
        if branch_merge:  # a PR branch off main, merged back with a merge commit
            yield b"reset refs/heads/feature\nfrom refs/heads/main\n"
        yield b"commit %s\nmark :%d\n" % (ref.encode(), index + 1)
        yield b"author %s <%s@example.com> %d +0800\n" % (who.encode(), who.encode(), moment)
        yield b"committer %s <%s@example.com> %d +0800\n" % (who.encode(), who.encode(), moment)
        message = f"Work on {topic}" if branch_merge else f"Fix {topic} in {rng.choice(AREAS).split('/')[-1]} (#{pr})"
        yield _blob(message + f"\n\nDetails for change {index}.")
        if index == start_commit and start_commit:
            yield b"from refs/heads/main^0\n"
        changes = []
        for _ in range(rng.randint(1, 4)):
            path = rng.choice(paths)
            existing.append(path)
            lines = "\n".join(f"value_{index}_{n} = {rng.random():.6f}" for n in range(rng.randint(1, 30)))
            changes.append(b"M 100644 inline %s\n" % path.encode() + _blob(lines))
        yield from changes
        if index % 97 == 0:
            yield b"M 100644 inline assets/logo_%d.bin\n" % index + _blob("\x00\x01binary")
        if index % 131 == 0 and existing and not branch_merge:
            old = existing.pop(0)
            yield b"R %s %s\n" % (old.encode(), f"renamed/module_{index}.py".encode())
        if branch_merge:
            moment += 60
            yield b"commit refs/heads/main\n"
            yield b"committer merger <merger@example.com> %d +0000\n" % moment
            yield _blob(f"Merge pull request #{pr} from {who}/{topic.replace(' ', '-')}")
            yield b"merge :%d\n" % (index + 1)
            yield from changes  # fast-import does not merge trees: the merge commit states the merged files
        yield b"\n"


def build_repo(path: Path, commits: int, seed: int = 7) -> Path:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    append_commits(path, commits, start_commit=0, seed=seed)
    subprocess.run(["git", "-C", str(path), "remote", "add", "origin", "https://github.com/sgl-project/sglang.git"],
                   check=True)
    return path


def append_commits(path: Path, commits: int, start_commit: int, seed: int = 7) -> None:
    process = subprocess.Popen(["git", "-C", str(path), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    for chunk in fast_import_stream(commits, seed=seed, start_commit=start_commit):
        process.stdin.write(chunk)
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], check=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--commits", type=int, default=20000)
    args = parser.parse_args()
    build_repo(args.out, args.commits)
    print(f"{args.commits} commits in {args.out}")
