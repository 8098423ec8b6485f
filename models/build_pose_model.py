#!/usr/bin/env python3
"""Rebuild ``pose_landmarker_full.task`` from the ``mediapipe==0.10.21`` wheel on PyPI.

Current mediapipe wheels ship no models and the official ``.task`` files are on Google
storage, out of our reach; the 0.10.21 wheel still has the BlazePose GHUM full ``.tflite``s.
This script

1. gets that wheel (``pip download``, or ``--wheel PATH``);
2. reads the two models, and the FlatBuffers schema modules generated for them, straight
   out of the wheel and checks the sha256 of each;
3. writes MediaPipe TFLite metadata into each model the way ``MetadataWriter.populate()``
   of mediapipe 0.10.21 does (general info, RGB image input with ``NormalizationOptions``,
   one entry per output); the resulting models are byte-identical to that writer's output;
4. stores both models in an uncompressed, 16-byte aligned zip with a fixed entry order and
   fixed timestamps, so that every build gives the same bytes.

Needs only ``flatbuffers`` and ``numpy`` (mediapipe is not imported). See models/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import struct
import subprocess
import sys
import tempfile
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path

MEDIAPIPE_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_NAME = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"
#: ``pip download`` options that select the wheel above on any host.
PIP_PLATFORM_ARGS = ["--only-binary=:all:", "--platform", "manylinux_2_28_x86_64"]
PIP_PLATFORM_ARGS += ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311"]
DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKS_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
SCHEMA_MEMBER = "mediapipe/tasks/metadata/schema_py_generated.py"
METADATA_SCHEMA_MEMBER = "mediapipe/tasks/metadata/metadata_schema_py_generated.py"
#: Wheel members used by the build and their expected sha256.
MEMBER_SHA256 = {
    DETECTOR_MEMBER: "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    LANDMARKS_MEMBER: "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    SCHEMA_MEMBER: "49a26cf90cdf5271271e61f61d4bf3a293da4777824c73d08f5cb9e0e2cbc29a",
    METADATA_SCHEMA_MEMBER: "bcd857b0f5af7d74ec948e882d4d8e31f4bdd41dece562110d1ffcbd8453bf50",
}
DEFAULT_OUT = Path(__file__).resolve().parent / "pose_landmarker_full.task"

METADATA_NAME = "TFLITE_METADATA"
TFLITE_IDENTIFIER = b"TFL3"
METADATA_IDENTIFIER = b"M001"
#: No field gated by a newer parser version (see MediaPipe's metadata_version.cc) is used,
#: so the minimum metadata parser version is the base one, as the writer computes it.
MIN_PARSER_VERSION = "1.0.0"
AUTHOR = "Google LLC (MediaPipe)"
LICENSE = "Apache License. Version 2.0 http://www.apache.org/licenses/LICENSE-2.0."
VERSION = "BlazePose GHUM 3D full, from PyPI mediapipe 0.10.21"
#: The FlatBuffers runtime's packing changed between releases (25.9.23 and 25.12.19 give
#: different, equally valid bytes); the committed bundle was built with this one.
FLATBUFFERS_VERSION = "25.12.19"

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_ALIGNMENT = 16
#: Zip extra-field id that Android's zipalign/apksigner use for alignment padding.
ALIGNMENT_EXTRA_ID = 0xD935


@dataclass(frozen=True)
class ModelSpec:
    """One bundle entry and the metadata written into it.

    Attributes
    ----------
    entry : str
        File name inside the ``.task`` zip (fixed by the PoseLandmarker graph).
    member : str
        Path of the source ``.tflite`` inside the wheel.
    name, description : str
        General model info.
    input_shape : tuple of int
        Expected NHWC input shape (checked against the model).
    norm_mean, norm_std : float
        Input normalisation, ``(pixel - mean) / std``.
    input_description : str
        Description of the image input tensor.
    outputs : tuple of (str, str)
        Name and description of each model output, in model order.
    """

    entry: str
    member: str
    name: str
    description: str
    input_shape: tuple[int, ...]
    norm_mean: float
    norm_std: float
    input_description: str
    outputs: tuple[tuple[str, str], ...]


MODELS = (
    ModelSpec(
        entry="pose_detector.tflite",
        member=DETECTOR_MEMBER,
        name="BlazePose pose detector",
        description="Detects people in an image. SSD-style detector with 2254 anchors; each "
        "box comes with 4 keypoints (hip centre, full-body scale point, shoulder centre, "
        "upper-body scale point) that define the rotated region of interest for the "
        "landmark model.",
        input_shape=(1, 224, 224, 3),
        norm_mean=127.5,
        norm_std=127.5,
        input_description="Letterboxed 224x224 RGB frame, values in [-1, 1].",
        outputs=(
            ("raw_boxes", "Undecoded anchor offsets: box cx, cy, w, h, 4 x keypoint (x, y)."),
            ("raw_scores", "Per-anchor detection logits (apply a sigmoid for the score)."),
        ),
    ),
    ModelSpec(
        entry="pose_landmarks_detector.tflite",
        member=LANDMARKS_MEMBER,
        name="BlazePose GHUM 3D pose landmarks (full)",
        description="Predicts 33 body landmarks (indices 0-32; 33-38 are auxiliary ROI "
        "points), 3D world landmarks, a presence score and a segmentation mask for one "
        "person in a 256x256 crop around that person.",
        input_shape=(1, 256, 256, 3),
        norm_mean=0.0,
        norm_std=255.0,
        input_description="256x256 RGB crop of one person, values in [0, 1].",
        outputs=(
            ("landmarks", "39 x (x, y, z, visibility logit, presence logit), crop pixels."),
            ("pose_presence", "Probability that a person is in the crop."),
            ("segmentation", "256x256 person segmentation logits."),
            ("heatmap", "64x64x39 landmark heatmaps used to refine the landmark coordinates."),
            ("world_landmarks", "39 x (x, y, z) in metres, origin at the hip centre."),
        ),
    ),
)


def sha256(data: bytes) -> str:
    """Return the hex sha256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def download_wheel(dest: Path) -> Path:
    """Download the pinned wheel into directory ``dest`` with pip; return its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest"]
    subprocess.run([*cmd, str(dest), *PIP_PLATFORM_ARGS, MEDIAPIPE_REQUIREMENT], check=True)
    return dest / WHEEL_NAME


def read_wheel_members(wheel: Path) -> dict[str, bytes]:
    """Read the members listed in ``MEMBER_SHA256`` from the wheel and verify them.

    Parameters
    ----------
    wheel : Path
        A mediapipe 0.10.21 wheel.

    Returns
    -------
    dict of str to bytes
        Member path to content.

    Raises
    ------
    SystemExit
        If a member's sha256 differs from the pinned one.
    """
    members = {}
    with zipfile.ZipFile(wheel) as zf:
        for member, expected in MEMBER_SHA256.items():
            members[member] = zf.read(member)
            if sha256(members[member]) != expected:
                raise SystemExit(f"{wheel}: sha256 of {member} is not {expected}")
    return members


def load_module(name: str, source: bytes) -> types.ModuleType:
    """Run verified FlatBuffers-generated ``source`` as a new module called ``name``."""
    module = types.ModuleType(name)
    exec(compile(source, f"<wheel:{name}>", "exec"), module.__dict__)
    return module


def build_metadata(spec: ModelSpec, md: types.ModuleType) -> bytes:
    """Build the ``M001`` metadata flatbuffer for one model.

    Mirrors mediapipe 0.10.21's ``MetadataWriter`` (general info, ``add_image_input``,
    ``add_feature_output``) and ``MetadataPopulator.load_metadata_buffer``.

    Parameters
    ----------
    spec : ModelSpec
        The model's description.
    md : types.ModuleType
        ``metadata_schema_py_generated`` from the wheel.

    Returns
    -------
    bytes
        The serialised ``ModelMetadata`` table.
    """
    import flatbuffers

    image = md.TensorMetadataT()
    image.name, image.description = "image", spec.input_description
    image.content = md.ContentT()
    image.content.contentPropertiesType = md.ContentProperties.ImageProperties
    image.content.contentProperties = md.ImagePropertiesT()
    image.content.contentProperties.colorSpace = md.ColorSpaceType.RGB
    norm = md.ProcessUnitT()
    norm.optionsType = md.ProcessUnitOptions.NormalizationOptions
    norm.options = md.NormalizationOptionsT()
    norm.options.mean, norm.options.std = [spec.norm_mean], [spec.norm_std]
    image.processUnits = [norm]
    image.stats = md.StatsT()
    image.stats.min = [(0.0 - spec.norm_mean) / spec.norm_std]
    image.stats.max = [(255.0 - spec.norm_mean) / spec.norm_std]

    outputs = []
    for name, description in spec.outputs:
        tensor = md.TensorMetadataT()
        tensor.name, tensor.description = name, description
        tensor.content = md.ContentT()
        tensor.content.contentPropertiesType = md.ContentProperties.FeatureProperties
        tensor.content.contentProperties = md.FeaturePropertiesT()
        tensor.stats = md.StatsT()
        outputs.append(tensor)

    subgraph = md.SubGraphMetadataT()
    subgraph.inputTensorMetadata, subgraph.outputTensorMetadata = [image], outputs
    meta = md.ModelMetadataT()
    meta.name, meta.description, meta.version = spec.name, spec.description, VERSION
    meta.author, meta.license, meta.subgraphMetadata = AUTHOR, LICENSE, [subgraph]
    for _ in range(2):  # pack, then re-read, stamp the parser version, pack again
        builder = flatbuffers.Builder(0)
        builder.Finish(meta.Pack(builder), METADATA_IDENTIFIER)
        meta = md.ModelMetadataT.InitFromObj(
            md.ModelMetadata.GetRootAsModelMetadata(builder.Output(), 0)
        )
        meta.minParserVersion = MIN_PARSER_VERSION
    return bytes(builder.Output())


def populate_metadata(
    model_buf: bytes, metadata_buf: bytes, spec: ModelSpec, schema: types.ModuleType
) -> bytes:
    """Store ``metadata_buf`` in the buffer that ``TFLITE_METADATA`` points at.

    Same steps as ``MetadataPopulator.populate()`` in mediapipe 0.10.21: unpack the
    model, replace (or append) that buffer, pack again, then append the (here empty) zip
    of associated files. Other metadata entries such as ``min_runtime_version`` stay.

    Parameters
    ----------
    model_buf : bytes
        The source ``.tflite`` model.
    metadata_buf : bytes
        Output of :func:`build_metadata`.
    spec : ModelSpec
        Used to check the model's input shape and output count.
    schema : types.ModuleType
        ``schema_py_generated`` (the TFLite schema) from the wheel.

    Returns
    -------
    bytes
        The model with metadata.
    """
    import flatbuffers

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_buf, 0))
    graph = model.subgraphs[0]
    shape = tuple(int(d) for d in graph.tensors[graph.inputs[0]].shape)
    if len(graph.inputs) != 1 or shape != spec.input_shape:
        raise SystemExit(f"{spec.member}: unexpected input shape {shape}")
    if len(graph.outputs) != len(spec.outputs):
        raise SystemExit(f"{spec.member}: {len(graph.outputs)} outputs, not {len(spec.outputs)}")

    buffer = schema.BufferT()
    buffer.data = bytearray(metadata_buf)
    found = [e for e in model.metadata or [] if e.name.decode("utf-8") == METADATA_NAME]
    if found:
        model.buffers[found[0].buffer] = buffer  # the wheel's detector has stale metadata
    else:
        model.buffers.append(buffer)
        entry = schema.MetadataT()
        entry.name, entry.buffer = METADATA_NAME, len(model.buffers) - 1
        model.metadata = [*(model.metadata or []), entry]

    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), TFLITE_IDENTIFIER)
    out = io.BytesIO(builder.Output())
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a"):  # no associated files: a 22-byte empty zip, as upstream
        pass
    return out.getvalue()


def write_bundle(entries: list[tuple[str, bytes]]) -> bytes:
    """Store files in a deterministic, uncompressed (``ZIP_STORED``), aligned zip.

    Each file's data starts at a multiple of ``ZIP_ALIGNMENT`` bytes, so the models can be
    used in place. The padding sits in an extra field of the local header (zipalign style).

    Parameters
    ----------
    entries : list of (str, bytes)
        File names and contents, written in this order.

    Returns
    -------
    bytes
        The zip archive.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=False) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the host
            info.external_attr = 0o644 << 16
            pad = -(out.tell() + 30 + len(name.encode("ascii")) + 6) % ZIP_ALIGNMENT
            info.extra = struct.pack("<HHH", ALIGNMENT_EXTRA_ID, 2 + pad, ZIP_ALIGNMENT)
            info.extra += bytes(pad)
            zf.writestr(info, data)
    bundle = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:  # self-check: order, alignment, content
        assert zf.namelist() == [name for name, _ in entries]
        for info, (_, data) in zip(zf.infolist(), entries, strict=True):
            name_len, extra_len = struct.unpack_from("<HH", bundle, info.header_offset + 26)
            start = info.header_offset + 30 + name_len + extra_len
            assert start % ZIP_ALIGNMENT == 0, info.filename
            assert bundle[start : start + len(data)] == data, info.filename
    return bundle


def build(wheel: Path) -> bytes:
    """Return the ``.task`` bundle built from the mediapipe 0.10.21 ``wheel``."""
    import flatbuffers

    if (found := getattr(flatbuffers, "__version__", "?")) != FLATBUFFERS_VERSION:
        print(
            f"warning: flatbuffers {found} != {FLATBUFFERS_VERSION}: the bytes will differ "
            "from the committed bundle",
            file=sys.stderr,
        )
    members = read_wheel_members(wheel)
    schema = load_module("tflite_schema", members[SCHEMA_MEMBER])
    md = load_module("tflite_metadata_schema", members[METADATA_SCHEMA_MEMBER])
    if getattr(md, "np", None) is None:
        raise SystemExit("numpy is required (pure-Python flatbuffers is far too slow)")
    entries = []
    for spec in MODELS:
        model = populate_metadata(members[spec.member], build_metadata(spec, md), spec, schema)
        entries.append((spec.entry, model))
    return write_bundle(entries)


def main(argv: list[str] | None = None) -> int:
    """Build the bundle (or, with ``--check``, compare a rebuild); return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="bundle path")
    parser.add_argument("--wheel", type=Path, help=f"use this {WHEEL_NAME}, don't download")
    parser.add_argument("--check", action="store_true", help="rebuild, compare with --out")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="build_pose_model_") as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        wheel_sha = sha256(wheel.read_bytes())
        note = "" if wheel_sha == WHEEL_SHA256 else " (not the pinned wheel; members are checked)"
        print(f"wheel {wheel.name} sha256 {wheel_sha}{note}")
        bundle = build(wheel)

    print(f"bundle sha256 {sha256(bundle)} size {len(bundle)}")
    if args.check:
        if not args.out.is_file() or args.out.read_bytes() != bundle:
            print(f"MISMATCH: {args.out} differs from the rebuilt bundle", file=sys.stderr)
            return 1
        print(f"OK: {args.out} is identical to the rebuilt bundle")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(bundle)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
