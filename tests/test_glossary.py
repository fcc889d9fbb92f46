"""The glossary's one loader (`landscape.glossary`): one shape, file order, no quiet skips."""

from __future__ import annotations

from pathlib import Path

import pytest

from landscape.glossary import load_glossary


def test_terms_in_file_order_with_their_forms(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text('[[term]]\nzh = "智能体 / AI代理"\nen = "agent"\nnote_zh = "注"\n'
                    'note_en = "note"\naliases = ["agents"]\n\n'
                    '[[term]]\nzh = "大语言模型"\nen = "large language model (LLM)"\n',
                    encoding="utf-8")
    agent, llm = load_glossary(path)
    assert (agent.zh_names, agent.en_forms, agent.aliases) == (("智能体", "AI代理"), ["agent"],
                                                               ("agents",))
    assert (llm.zh_names, llm.en_forms, llm.note_en) == (("大语言模型",),
                                                         ["large language model", "LLM"], "")


def test_a_term_without_a_name_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text('[[term]]\nzh = "推理"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"number 1 has no en"):
        load_glossary(path)


def test_the_shipped_glossary_loads() -> None:
    terms = load_glossary()
    assert terms and all(t.zh_names and t.en_forms[0] for t in terms)
