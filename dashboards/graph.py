"""The drawing of one regression chain, as Graphviz DOT: a node per PR (number and title, or the
one-liner for a report without a number), an arrow per link labelled with its relation. Each node links
to its PR page. Labels are quoted for DOT, and text never reaches it unescaped."""

from __future__ import annotations

import textwrap

import pandas as pd

from .ui import LABEL_TEXT, pr_label, pr_url, present

EDGE_COLOURS = {"regression": "#d62728", "revert": "#9467bd", "follow_up": "#1f77b4"}


def node_label(node) -> str:
    """Plain text: `#123 title`, or an unnumbered report's one-liner (it says what the report is)."""
    if not present(node.number):
        text = str(node.one_liner if present(node.one_liner) else node.display_title)
        return f"(no number) {text[:LABEL_TEXT]}"
    return pr_label(node.number, node.display_title, node.pr_key)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def chain_dot(nodes: pd.DataFrame, edges: pd.DataFrame) -> str:
    lines = ["digraph chain {", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fa", fontname="sans-serif", fontsize=11];',
             '  edge [fontname="sans-serif", fontsize=10];']
    for node in nodes.itertuples():
        label = "\n".join(textwrap.wrap(node_label(node), 34)[:3])
        merged = "" if pd.isna(node.merged_at) else f"\nmerged {node.merged_at:%Y-%m-%d}"
        lines.append(f"  {_quoted(node.pr_key)} [label={_quoted(label + merged)}, URL={_quoted(pr_url(node.pr_key))}, "
                     f'target="_self", tooltip={_quoted("Open " + node.pr_key)}];')
    for edge in edges.itertuples():
        colour = EDGE_COLOURS.get(edge.relation, "#555555")
        status = "" if edge.status == "claimed" else f" ({edge.status})"
        label = f"{edge.relation}\n{' + '.join(edge.sources)}{status}"
        evidence = str(edge.evidence)[:300] if present(edge.evidence) else ""
        lines.append(f"  {_quoted(edge.from_key)} -> {_quoted(edge.to_key)} "
                     f"[label={_quoted(label)}, tooltip={_quoted(evidence)}, "
                     f"color={_quoted(colour)}, fontcolor={_quoted(colour)}];")
    lines.append("}")
    return "\n".join(lines)
