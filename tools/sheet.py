"""The one contact-sheet helper of the picture generators in tools/ (README pictures, effect and preset sheets).

Conventions: images are numpy arrays, H x W x 3, RGB; ``to_u8`` takes float 0..1 (or uint8) and returns uint8;
every other function takes and returns uint8 RGB. Files are written with OpenCV (BGR on disk is handled here).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX


def to_u8(image) -> np.ndarray:
    """``image`` (numpy or torch, float 0..1 or uint8, H x W x 3) as contiguous uint8 RGB, rounded and clipped."""
    a = image.detach().cpu().numpy() if hasattr(image, "detach") else np.asarray(image)
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    return np.ascontiguousarray((np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))


def fit(rgb: np.ndarray, width: int, height: int, background: int = 0) -> np.ndarray:
    """``rgb`` scaled (area filter) to fit inside ``height`` x ``width``, keeping its aspect, centred on a
    ``background`` grey canvas of exactly that size."""
    s = min(width / rgb.shape[1], height / rgb.shape[0])
    w, h = max(1, round(rgb.shape[1] * s)), max(1, round(rgb.shape[0] * s))
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    out = np.full((height, width, 3), background, np.uint8)
    y, x = (height - h) // 2, (width - w) // 2
    out[y:y + h, x:x + w] = small
    return out


def label(img: np.ndarray, text: str, xy: tuple[int, int] = (4, 14), scale: float = 0.38,
          colour: tuple[int, int, int] = (255, 255, 255), outline: bool = True) -> np.ndarray:
    """Writes ``text`` on ``img`` in place (baseline at ``xy``), with a dark outline so it reads on any picture;
    returns ``img``."""
    if outline:
        cv2.putText(img, text, xy, FONT, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, xy, FONT, scale, colour, 1, cv2.LINE_AA)
    return img


def caption(width: int, text: str, height: int = 26, scale: float = 0.6, background: int = 255,
            colour: tuple[int, int, int] = (20, 20, 20)) -> np.ndarray:
    """A ``height`` x ``width`` strip with ``text`` on it (a row or column title)."""
    strip = np.full((height, width, 3), background, np.uint8)
    cv2.putText(strip, text, (8, height - 7), FONT, scale, colour, 1, cv2.LINE_AA)
    return strip


def row(cells: list[np.ndarray], gap: int = 0, background: int = 0) -> np.ndarray:
    """Cells of one height side by side with ``gap`` pixels of ``background`` between them."""
    parts = []
    for i, cell in enumerate(cells):
        if i and gap:
            parts.append(np.full((cell.shape[0], gap, 3), background, np.uint8))
        parts.append(cell)
    return np.concatenate(parts, axis=1)


def column(rows: list[np.ndarray], gap: int = 0, background: int = 0) -> np.ndarray:
    """Rows stacked top to bottom, each padded on the right to the widest, ``gap`` pixels between them."""
    width = max(r.shape[1] for r in rows)
    parts = []
    for i, r in enumerate(rows):
        if i and gap:
            parts.append(np.full((gap, width, 3), background, np.uint8))
        pad = width - r.shape[1]
        parts.append(np.pad(r, ((0, 0), (0, pad), (0, 0)), constant_values=background) if pad else r)
    return np.concatenate(parts, axis=0)


def save(path, sheet: np.ndarray, quality: int = 82) -> Path:
    """Writes uint8 RGB ``sheet`` to ``path`` (JPEG at ``quality``, or PNG), making the folder; prints its size."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.suffix.lower() in (".jpg", ".jpeg") else []
    if not cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), params):
        raise OSError(f"could not write {path}")
    print(f"{path}: {sheet.shape[1]}x{sheet.shape[0]}")
    return path
