"""lightif's NLTK tokenizers (`lightif.constraints.tokenize`) vs stock NLTK: same output, how much faster.

`nltk.word_tokenize(text)` = Punkt sentences + the Treebank tokenizer per sentence. Both sides produce word tokens of
whole texts; the outputs are asserted equal. Memo caches are cleared before every lightif pass, so every text is seen
for the first time. CPU time, best of 3.

    .venv/bin/python bench/tokenize_speed.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
N = 100_000


def corpora() -> dict[str, list[str]]:
    responses = []
    for rel in ("ifeval/input_response_data_gpt4_20231107_145030.fixed_7afefd4.jsonl", "ifbench/sample_output.jsonl"):
        path = SHARED / rel
        if path.exists():
            responses += [json.loads(line)["response"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    prose = " ".join(responses)[:N]
    return {
        f"benchmark responses ({len(responses)})": responses,
        "100 KB of those responses": [prose],
        "100 KB upper-cased": [prose.upper()],
        "'P.S. ' x 20k": [("P.S. " * N)[:N]],
        "'x1. x2. ...' (14k distinct sentences)": [" ".join(f"x{i}." for i in range(N))[:N]],
        "100 KB of '\"'": ['"' * N],
        "markdown lines x 2.5k": [("**bold** *it* [link](x) <<title>> # H\n- item\n" * (N // 40))[:N]],
    }


def cpu_best(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    sys.path.insert(0, str(REPO / "src"))
    from lightif.constraints import clear_text_caches
    from lightif.constraints.ifbench_common import iter_word_tokens
    from lightif.resources import ensure_nltk

    ensure_nltk()
    from nltk.tokenize import NLTKWordTokenizer, PunktTokenizer

    punkt, treebank = PunktTokenizer("english"), NLTKWordTokenizer()

    def stock(texts):
        return [[t for s in punkt.tokenize(x) for t in treebank.tokenize(s)] for x in texts]

    def ours(texts):
        clear_text_caches()
        return [list(iter_word_tokens(x)) for x in texts]

    print(f"{'input':45s} {'stock NLTK':>11s} {'lightif':>9s} {'speed-up':>9s}")
    for name, texts in corpora().items():
        assert ours(texts) == stock(texts), name
        t_stock, t_ours = cpu_best(lambda: stock(texts)), cpu_best(lambda: ours(texts))
        print(f"{name:45s} {t_stock * 1000:9.1f}ms {t_ours * 1000:7.1f}ms {t_stock / t_ours:8.1f}x")


if __name__ == "__main__":
    main()
