"""The model build script writes the committed bundle's layout deterministically.

Rebuilding from the PyPI wheel needs a download, which tests must not do; run
``python models/build_pose_model.py --check`` for the full check (models/README.md).
"""

from __future__ import annotations

import zipfile

from gaitcheck.pose.models import bundled_model_path, sha256_of
from helpers import REPO, load_script


def _load_build_script():
    return load_script(REPO / "models" / "build_pose_model.py")


def test_rebundling_the_committed_models_is_byte_identical() -> None:
    build = _load_build_script()
    bundle = bundled_model_path()
    with zipfile.ZipFile(bundle) as z:
        assert z.namelist() == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
        entries = [(name, z.read(name)) for name in z.namelist()]
    assert build.write_bundle(entries) == bundle.read_bytes()
    # Both models carry the TFLite metadata the Tasks API needs.
    for _, data in entries:
        assert data[4:8] == b"TFL3" and b"TFLITE_METADATA" in data
    assert sha256_of(bundle) in (REPO / "models" / "README.md").read_text()
