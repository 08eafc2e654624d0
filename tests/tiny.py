"""Tiny, randomly initialised models and tokenizers built offline (no hub), for tests.

`make_tiny(dir)` writes a Llama-architecture model (2 layers, hidden 32) with a byte-level BPE tokenizer trained on a
small corpus, ChatML chat template, and `<think>`/`</think>` as added tokens, like SmolLM2/Qwen3. Deterministic.
"""

from __future__ import annotations

from pathlib import Path

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

CORPUS = [
    "Write a short essay about the sea. Use at least 3 paragraphs and no commas.",
    "The answer is yes. My answer is no. Think step by step and check every constraint.",
    "<think> The user wants 3 bullet points. Let me count: one, two, three. </think> * a\n* b\n* c",
    "请写一篇关于春天的短文，不少于100字，标题用《》包裹。",
    "Hello world! This is a tiny tokenizer for tests. P.S. it has numbers 0 1 2 3 4 5 6 7 8 9.",
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:!?'\"()[]{}<>*#-_=+/\\|@&%$^~`",
]
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
ADDED = ["<think>", "</think>"]


def make_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIAL,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=None, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>", unk_token=None)
    fast.add_tokens(ADDED)
    fast.chat_template = CHATML
    fast.padding_side = "left"
    return fast


def make_tiny(out_dir: str | Path, seed: int = 0) -> Path:
    """Save a tiny random causal LM + tokenizer to `out_dir` (idempotent) and return the path."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = Path(out_dir)
    if (out / "config.json").exists() and (out / "tokenizer.json").exists():
        return out
    tok = make_tokenizer()
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None,
                      tie_word_embeddings=True)
    model = LlamaForCausalLM(cfg)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out
