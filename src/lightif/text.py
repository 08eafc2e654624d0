"""Text helpers shared across stages: separating a reasoning model's thinking from its answer.

Counting helpers specific to a constraint family live in that family's module.
"""

from __future__ import annotations

import dataclasses

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


@dataclasses.dataclass(frozen=True)
class Split:
    thinking: str  # text inside the think block ('' if none)
    answer: str  # what is scored: the text after the LAST close tag ('' if the think block never closed)
    closed: bool  # a close tag was found
    had_thinking: bool  # an open or close tag was found at all


def split_thinking(text: str, open_tag: str = THINK_OPEN, close_tag: str = THINK_CLOSE) -> Split:
    """Split a completion into thinking and answer.

    - Close tag present: answer = text after the LAST close tag (stripped); thinking = text before it, minus the
      open tag (as the Light-IF reward and Qwen3's own parser do).
    - Open tag but no close tag (truncated reasoning): answer = '' (scores as empty), thinking = the rest.
    - No tags: the whole text is the answer.

    >>> split_thinking("<think>plan</think> Hi").answer
    'Hi'
    >>> split_thinking("<think>never closed").answer
    ''
    """
    idx = text.rfind(close_tag)
    if idx >= 0:
        head = text[:idx]
        o = head.find(open_tag)
        thinking = head[o + len(open_tag):] if o >= 0 else head
        return Split(thinking.strip(), text[idx + len(close_tag):].strip(), True, True)
    o = text.find(open_tag)
    if o >= 0:
        return Split(text[o + len(open_tag):].strip(), "", False, True)
    return Split("", text, False, False)


def strip_thinking(text: str, open_tag: str = THINK_OPEN, close_tag: str = THINK_CLOSE) -> str:
    """The answer part of a completion (see `split_thinking`)."""
    return split_thinking(text, open_tag, close_tag).answer
