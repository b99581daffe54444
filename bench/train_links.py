"""`make train-links`: train the link reader on every labelled mention (the five real histories and the written
sets) and write etl/parsing/link_model.json, with its version, what it was trained on, and the leave-one-history-
out score of the same training (bench/eval_links.py). Offline; needs ../shared/real_git for the real text.

    python bench/train_links.py
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import eval_links  # noqa: E402
from bench import link_training as lt  # noqa: E402
from etl.parsing.link_model import MODEL_FILE  # noqa: E402


def main() -> int:
    if not lt.REAL_GIT.is_dir():
        print(f"the real histories are not at {lt.REAL_GIT}: cannot train", file=sys.stderr)
        return 1
    started = time.perf_counter()
    examples = eval_links.written_sets() + [e for path in lt.rounds() for e in lt.written_examples(path)]
    examples += [e for h in lt.HISTORIES if (lt.REAL_LABELS / f"{h}.jsonl").exists() for e in lt.real_examples(h)]
    digest = lt.inputs_digest()
    model = lt.train(examples, version=f"links-{digest}")
    results = eval_links.leave_one_history_out(lt.C)
    document = {
        **model.document,
        "inputs_digest": digest,
        "trained_on": {"c": lt.C, "min_count": lt.MIN_COUNT, "real_weight": lt.REAL_WEIGHT, "by_group": dict(sorted(Counter(
            e.group for e in examples if e.features and e.label in model.classes).items()))},
        "leave_one_history_out": {name: {who: {r: {k: pair[who][r][k] for k in ("precision", "recall", "support")}
                                               for r in eval_links.LINKS} for who in ("reader", "rules")}
                                  for name, pair in results.items()},
    }
    MODEL_FILE.write_text(json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
                          encoding="utf-8")
    features = sum(len(weights) for _, weights in model.parts.values())
    print(f"wrote {MODEL_FILE.relative_to(lt.ROOT)}: version {document['version']}, {features} features, "
          f"{MODEL_FILE.stat().st_size // 1024} KiB, trained on {sum(document['trained_on']['by_group'].values())} "
          f"mentions in {time.perf_counter() - started:.0f} s")
    eval_links.print_history_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
