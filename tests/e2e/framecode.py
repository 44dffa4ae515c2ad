"""A frame counter drawn as big black/white blocks, robust to VP8 compression.

Layout: the picture is split into a grid of ``COLUMNS x ROWS`` = 4 x 5 = 20 equal blocks, read
left to right, top to bottom. Blocks 0..15 are the 16 bits of the counter (most significant
first), blocks 16..19 a 4-bit check value: the XOR of the counter's four nibbles. A white block
(luma 235) is a 1, a black one (luma 16) a 0. At 320x240 each block is 80x48 pixels, a whole
number of 16x16 VP8 macroblocks, so even a heavily quantised frame keeps every block's centre
far from the threshold.

``read_counter`` samples the central half of each block; a block whose mean luma is in the
ambiguous middle band, or a check value that does not match, makes the frame unreadable
(``None``) rather than misread. The counter wraps at 65536 frames (36 minutes at 30 fps).
"""

from __future__ import annotations

import fractions
import time
from typing import Optional

import numpy as np

COLUMNS = 4
ROWS = 5
COUNTER_BITS = 16
CHECK_BITS = 4
BLOCKS = COLUMNS * ROWS
assert COUNTER_BITS + CHECK_BITS == BLOCKS

LUMA_ONE = 235  # "white" in limited-range BT.601
LUMA_ZERO = 16  # "black"
LUMA_THRESHOLD = (LUMA_ONE + LUMA_ZERO) // 2
# Block means inside [THRESHOLD - MARGIN, THRESHOLD + MARGIN] are treated as unreadable.
AMBIGUOUS_MARGIN = 40


def check_value(counter: int) -> int:
    """XOR of the four nibbles of a 16-bit counter."""
    c = counter & 0xFFFF
    return (c ^ (c >> 4) ^ (c >> 8) ^ (c >> 12)) & 0xF


def counter_bits(counter: int) -> list[int]:
    """The 20 block values (0/1) for ``counter``: 16 counter bits MSB first, then 4 check bits."""
    c = counter & 0xFFFF
    bits = [(c >> (COUNTER_BITS - 1 - i)) & 1 for i in range(COUNTER_BITS)]
    chk = check_value(c)
    bits += [(chk >> (CHECK_BITS - 1 - i)) & 1 for i in range(CHECK_BITS)]
    return bits


def _edges(length: int, parts: int) -> list[int]:
    return [round(i * length / parts) for i in range(parts + 1)]


def draw_luma(counter: int, width: int, height: int) -> np.ndarray:
    """Luma plane (``height x width``, uint8) showing ``counter``."""
    luma = np.empty((height, width), dtype=np.uint8)
    xs, ys = _edges(width, COLUMNS), _edges(height, ROWS)
    for index, bit in enumerate(counter_bits(counter)):
        row, col = divmod(index, COLUMNS)
        luma[ys[row]:ys[row + 1], xs[col]:xs[col + 1]] = LUMA_ONE if bit else LUMA_ZERO
    return luma


def draw_yuv420p(counter: int, width: int, height: int) -> np.ndarray:
    """A ``yuv420p`` frame as the ``(height * 3 // 2, width)`` array ``av.VideoFrame.from_ndarray``
    takes: the counter's luma plane and neutral (128) chroma. ``width`` and ``height`` must be even."""
    if width % 2 or height % 2:
        raise ValueError(f"yuv420p needs even dimensions, got {width}x{height}")
    out = np.full((height * 3 // 2, width), 128, dtype=np.uint8)
    out[:height] = draw_luma(counter, width, height)
    return out


def read_counter_from_luma(luma: np.ndarray) -> Optional[int]:
    """The counter drawn in a luma plane, or ``None`` when any block is ambiguous or the check
    value does not match. ``luma`` is ``height x width`` (any size: blocks scale with it)."""
    height, width = luma.shape[:2]
    if width < COLUMNS * 4 or height < ROWS * 4:
        return None
    xs, ys = _edges(width, COLUMNS), _edges(height, ROWS)
    bits = []
    for index in range(BLOCKS):
        row, col = divmod(index, COLUMNS)
        x0, x1, y0, y1 = xs[col], xs[col + 1], ys[row], ys[row + 1]
        qx, qy = (x1 - x0) // 4, (y1 - y0) // 4
        mean = float(luma[y0 + qy:y1 - qy, x0 + qx:x1 - qx].mean())
        if abs(mean - LUMA_THRESHOLD) < AMBIGUOUS_MARGIN:
            return None
        bits.append(1 if mean > LUMA_THRESHOLD else 0)
    counter = 0
    for bit in bits[:COUNTER_BITS]:
        counter = (counter << 1) | bit
    check = 0
    for bit in bits[COUNTER_BITS:]:
        check = (check << 1) | bit
    return counter if check == check_value(counter) else None


def luma_of(frame) -> np.ndarray:
    """The luma plane of an ``av.VideoFrame`` (any planar YUV format) as ``height x width``."""
    plane = frame.planes[0]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def read_counter(frame) -> Optional[int]:
    """The counter carried by a decoded ``av.VideoFrame``, or ``None`` if unreadable."""
    if frame.format.name not in ("yuv420p", "yuvj420p", "nv12", "gray"):
        frame = frame.reformat(format="yuv420p")
    return read_counter_from_luma(luma_of(frame))


# aiortc is imported lazily so the pure codec above can be used (and tested) without it.
def make_counter_track(width: int = 320, height: int = 240, fps: int = 30):
    """An aiortc ``VideoStreamTrack`` whose n-th frame (from 0) shows counter n.

    ``fps`` paces ``recv`` with a 90 kHz clock; ``track.frames_sent`` counts frames produced."""
    import asyncio

    import av
    from aiortc import VideoStreamTrack
    from aiortc.mediastreams import MediaStreamError

    clock_rate = 90000
    time_base = fractions.Fraction(1, clock_rate)

    class CounterVideoTrack(VideoStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.width, self.height, self.fps = width, height, fps
            self.frames_sent = 0
            self._start: Optional[float] = None

        async def recv(self):
            if self.readyState != "live":
                raise MediaStreamError
            if self._start is None:
                self._start = time.monotonic()
            else:
                due = self._start + self.frames_sent / self.fps
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            counter = self.frames_sent
            frame = av.VideoFrame.from_ndarray(
                draw_yuv420p(counter, self.width, self.height), format="yuv420p"
            )
            frame.pts = int(counter * clock_rate / self.fps)
            frame.time_base = time_base
            self.frames_sent += 1
            return frame

    return CounterVideoTrack()
