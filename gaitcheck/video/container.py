"""What a video file's first bytes and boxes say before any decoding.

FFmpeg opens a renamed photo as a one-frame "video" and some AVI writers declare a frame
rate OpenCV does not report, so the reader looks at the file itself: still-image
signatures, the AVI stream header's rate, the top-level boxes of an MP4/MOV file and
the codec's four-character code.
"""

from __future__ import annotations

from pathlib import Path

#: Four-character codes of still-image codecs (a photo or an image sequence, not a video).
IMAGE_CODECS = {"png ", "mpng", "jpeg", "mjpg", "bmp ", "gif ", "webp", "tiff"}
#: File signatures of still images: FFmpeg opens a renamed photo as a one-frame "video",
#: so it is recognised by its first bytes before any decoding.
IMAGE_MAGIC = ((b"\x89PNG", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"),
               (b"BM", "BMP"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"))
#: Bytes read from the start of a file to recognise images and read an AVI header.
HEADER_BYTES = 1 << 16


def fourcc(value: float) -> str:
    """The four-character code OpenCV reports as a number (``CAP_PROP_FOURCC``); "" if none."""
    code = int(value)
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)) if code > 0 else ""


def still_image_kind(head: bytes) -> str | None:
    """Image format named by the file's first bytes, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    kind = next((name for magic, name in IMAGE_MAGIC if head.startswith(magic)), None)
    # An animated GIF loops (NETSCAPE2.0 block) or holds several frames, each after its
    # own graphic control extension (0x21 0xF9 0x04).
    if kind == "GIF" and (b"NETSCAPE2.0" in head or head.count(b"\x21\xf9\x04") > 1):
        return "animated GIF"
    return kind


def avi_header_fps(head: bytes) -> float | None:
    """Frame rate (``dwRate / dwScale``) the first video stream header of an AVI file
    declares; 0.0 when either is 0; None when ``head`` is not an AVI header."""
    if head[:4] != b"RIFF" or head[8:12] != b"AVI ":
        return None
    at = head.find(b"strh")
    while at >= 0 and head[at + 8:at + 12] != b"vids":
        at = head.find(b"strh", at + 4)
    if at < 0 or len(head) < at + 36:
        return None
    # strh after its fourcc and size: fccType, fccHandler, dwFlags, wPriority, wLanguage,
    # dwInitialFrames, then dwScale and dwRate (little-endian).
    scale = int.from_bytes(head[at + 28:at + 32], "little")
    rate = int.from_bytes(head[at + 32:at + 36], "little")
    return rate / scale if scale and rate else 0.0


def mp4_boxes(path: Path, limit: int = 64) -> list[str]:
    """Types of the top-level boxes of an MP4/MOV file (empty if it is not one)."""
    boxes: list[str] = []
    with path.open("rb") as handle:
        size_total = path.stat().st_size
        pos = 0
        while pos + 8 <= size_total and len(boxes) < limit:
            handle.seek(pos)
            head = handle.read(16)
            size, kind = int.from_bytes(head[:4], "big"), head[4:8]
            if not kind.isascii() or not kind.decode("ascii").isprintable():
                break
            if size == 1 and len(head) == 16:
                size = int.from_bytes(head[8:16], "big")
            elif size == 0:
                size = size_total - pos
            boxes.append(kind.decode("ascii"))
            if size < 8:
                break
            pos += size
    return boxes
