"""Whether the risk step has anything to do, told without loading scikit-learn: its output derives from its two
input models (equal fingerprints, equal tables: etl/models.py), the period of the versions and the model's own
code; when all are as at its last run and every PR it scored still has its row, it has nothing to train or
score."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from etl import names

from .features import FEATURES_TABLE, LABELS_TABLE

CODE = sorted(Path(__file__).parent.glob("*.py"))


def inputs_digest(con, period: str) -> str:
    built = con.execute("select model, fingerprint from meta.model_builds where model in (?, ?) order by model",
                        [FEATURES_TABLE, LABELS_TABLE]).fetchall()
    code = hashlib.sha256(b"".join(path.read_bytes() for path in CODE)).hexdigest()
    return hashlib.sha256(json.dumps([built, period, code]).encode()).hexdigest()


def unchanged(con, digest: str) -> bool:
    """The last run was made from these same inputs, and every PR it scored still has its row."""
    last = con.execute("select summary->>'inputs' from meta.source_runs where source = ?", [names.RISK]).fetchone()
    if not last or last[0] != digest:
        return False
    scored, expected = con.execute(f"select (select count(*) from risk.pr_scores), "
                                   f"(select count(*) from {FEATURES_TABLE})").fetchone()
    return scored == expected
