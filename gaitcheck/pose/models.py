"""Finding and verifying pose model bundles (MediaPipe ``.task`` files).

gaitcheck ships one model, BlazePose GHUM *full*, rebuilt reproducibly from a PyPI
wheel (see ``models/README.md``). Users may pass any official Pose Landmarker bundle
(lite, full or heavy) with ``--model PATH``, or drop it into the user model folder
(:func:`user_model_dir`) and refer to it by name.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gaitcheck.errors import ModelError

BUNDLED_NAME = "full"
BUNDLED_FILE = "pose_landmarker_full.task"
#: sha256 of ``models/pose_landmarker_full.task``; the build script reproduces it.
BUNDLED_SHA256 = "8054d5bf95ac9628bf22677c8c02ed3fb8ccc9f49d71fc54117f543642e764fb"

#: Names of the official Pose Landmarker variants and their usual file names.
OFFICIAL_FILES = {
    "lite": "pose_landmarker_lite.task",
    "full": "pose_landmarker_full.task",
    "heavy": "pose_landmarker_heavy.task",
}
_REQUIRED_ENTRIES = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}


@dataclass(frozen=True)
class ModelInfo:
    """A pose model bundle on disk.

    Attributes
    ----------
    name : str
        ``"full"``, ``"lite"``, ``"heavy"`` or the file stem for custom bundles.
    path : Path
        Location of the ``.task`` file.
    sha256 : str
        Hex digest of the file's bytes.
    origin : str
        ``"bundled"``, ``"user"`` (user model folder) or ``"path"`` (given by path).
    """

    name: str
    path: Path
    sha256: str
    origin: str


def user_model_dir() -> Path:
    """Folder where users may put official ``.task`` bundles.

    ``$GAITCHECK_MODEL_DIR`` if set, else ``$XDG_CACHE_HOME/gaitcheck/models`` (by
    default ``~/.cache/gaitcheck/models``).
    """
    if env := os.environ.get("GAITCHECK_MODEL_DIR"):
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "gaitcheck" / "models"


def bundled_model_path() -> Path:
    """Path of the bundled model, as installed package data or in a source checkout.

    Raises
    ------
    ModelError
        If neither location holds the file.
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "_model_data" / BUNDLED_FILE, here.parents[1] / "models" / BUNDLED_FILE]
    for path in candidates:
        if path.is_file():
            return path
    raise ModelError(
        f"bundled pose model {BUNDLED_FILE} is missing; reinstall gaitcheck or rebuild it "
        "with models/build_pose_model.py"
    )


def sha256_of(path: Path) -> str:
    """Hex sha256 digest of a file."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_bundle(path: Path) -> None:
    """Check that ``path`` is a Pose Landmarker ``.task`` bundle.

    Raises
    ------
    ModelError
        If the file is missing, not a zip, or lacks the detector and landmark models.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"pose model not found: {path}")
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            # The CRC-32 of every entry: a flipped or lost byte inside an intact-looking
            # bundle is caught here rather than as a MediaPipe error (about 0.1 s/30 MB).
            damaged = bundle.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as err:
        raise ModelError(f"{path.name} is corrupt or not a MediaPipe .task bundle ({err}): "
                         "download the official file again") from err
    if damaged is not None:
        raise ModelError(f"{path.name} is corrupt: checksum mismatch in its entry {damaged} "
                         "(a damaged copy or download): download the official file again")
    if missing := _REQUIRED_ENTRIES - names:
        raise ModelError(
            f"{path.name} is not a Pose Landmarker bundle (missing {', '.join(sorted(missing))})"
        )


def resolve_model(spec: str | Path | None = None) -> ModelInfo:
    """Find the model to use.

    Parameters
    ----------
    spec : str or Path, optional
        ``None`` for the bundled model; ``"lite"``, ``"full"`` or ``"heavy"`` for an
        official bundle in :func:`user_model_dir` (``"full"`` falls back to the bundled
        one); otherwise a path to a ``.task`` file.

    Raises
    ------
    ModelError
        Unknown name, missing or invalid file, or a bundled model whose checksum does
        not match.
    """
    if spec is None or (str(spec) == BUNDLED_NAME and not _user_file(BUNDLED_NAME).is_file()):
        path = bundled_model_path()
        digest = sha256_of(path)
        if digest != BUNDLED_SHA256:
            raise ModelError(
                f"bundled pose model {path} is corrupt: sha256 {digest[:12]}… does not match "
                f"{BUNDLED_SHA256[:12]}…; reinstall gaitcheck"
            )
        return ModelInfo(BUNDLED_NAME, path, digest, "bundled")
    if str(spec) in OFFICIAL_FILES:
        path = _user_file(str(spec))
        if not path.is_file():
            raise ModelError(
                f"model {spec!r} is not installed: put the official {OFFICIAL_FILES[str(spec)]} "
                f"in {user_model_dir()} or pass --model PATH"
            )
        check_bundle(path)
        return ModelInfo(str(spec), path, sha256_of(path), "user")
    path = Path(spec).expanduser()
    check_bundle(path)
    return ModelInfo(path.stem, path.resolve(), sha256_of(path), "path")


def _user_file(name: str) -> Path:
    return user_model_dir() / OFFICIAL_FILES[name]


def available_models() -> list[ModelInfo]:
    """The bundled model plus every valid ``.task`` bundle in :func:`user_model_dir`."""
    return [info for info in _scan() if isinstance(info, ModelInfo)]


def unusable_models() -> list[tuple[str, Path, str]]:
    """``.task`` files in :func:`user_model_dir` that cannot be used: (name, path, why),
    e.g. a download that was cut short, so ``gaitcheck models`` calls them corrupt
    rather than "not installed"."""
    return [info for info in _scan() if not isinstance(info, ModelInfo)]


def _model_name(path: Path) -> str:
    return next((k for k, v in OFFICIAL_FILES.items() if v == path.name), path.stem)


def _scan() -> list[ModelInfo | tuple[str, Path, str]]:
    found: list[ModelInfo | tuple[str, Path, str]] = [resolve_model(None)]
    folder = user_model_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.task")):
            try:
                check_bundle(path)
            except ModelError as err:
                found.append((_model_name(path), path, str(err)))
                continue
            found.append(ModelInfo(_model_name(path), path, sha256_of(path), "user"))
    return found
