"""Replies within WeChat's 2048 bytes: cut after a sentence, never inside a character."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wechat.fitting import MAX_REPLY_BYTES, fit, size

FOOTER = '<a href="https://conf.example.org/zh/about">在网站上查看更多</a>'
MORE = "（回复 1 查看后续内容）"


def test_a_short_reply_is_sent_whole_with_its_footer() -> None:
    fitted = fit("8000 — 研究院科研人员", FOOTER, MORE)
    assert fitted.text == f"8000 — 研究院科研人员\n\n{FOOTER}"
    assert fitted.rest == ""


def test_a_long_chinese_reply_breaks_after_a_sentence_and_says_how_to_go_on() -> None:
    sentence = "江苏省产业技术研究院是一家新型研发机构。"  # 20 characters, 60 bytes
    body = sentence * 60  # 3600 bytes
    fitted = fit(body, FOOTER, MORE)
    assert size(fitted.text) <= MAX_REPLY_BYTES
    head = fitted.text.split("\n\n")[0]
    assert head.endswith("。") and len(head) % len(sentence) == 0
    assert fitted.text.endswith(f"{MORE}\n\n{FOOTER}")
    # Nothing lost, nothing repeated.
    assert head + fitted.rest == body


def test_one_enormous_sentence_is_cut_between_characters() -> None:
    body = "中" * 3000
    fitted = fit(body, "", MORE)
    head = fitted.text.split("\n\n")[0]
    assert size(fitted.text) <= MAX_REPLY_BYTES
    assert set(head) == {"中"} and head + fitted.rest == body


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
            min_size=1,
            max_size=300,
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["", FOOTER]),
)
def test_every_part_fits_and_the_parts_make_the_whole(sentences: list[str], footer: str) -> None:
    body = "\n".join(sentences)
    parts: list[str] = []
    rest = body
    for _ in range(100):
        fitted = fit(rest, footer, MORE)
        assert size(fitted.text) <= MAX_REPLY_BYTES
        if footer:
            assert fitted.text.endswith(footer)
        if not fitted.rest:
            parts.append(fitted.text.removesuffix(f"\n\n{footer}" if footer else ""))
            break
        part = fitted.text.removesuffix(f"\n\n{footer}" if footer else "").removesuffix(
            f"\n\n{MORE}"
        )
        parts.append(part)
        assert fitted.rest != rest  # progress
        rest = fitted.rest
    else:
        raise AssertionError("never finished")
    # Whitespace at the cuts may go; every other character arrives once, in order.
    assert "".join("".join(parts).split()) == "".join(body.split())
