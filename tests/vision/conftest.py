"""Face fixtures: real photos of real people, obtained from package registries.

No face data set can be downloaded here, but two registry packages carry public-domain photos:

* the ``face_recognition==1.3.0`` *sdist* (not the wheel): ``tests/test_images`` holds three
  different photos of Barack Obama (``obama.jpg``, ``obama2.jpg``, ``obama3.jpg``), one of Joe
  Biden, two crops of ``obama.jpg`` and an RGBA copy of ``obama2.jpg`` (``32bit.png``). They look
  like official White House photos (US federal works); the sdist states no provenance.
* the ``scikit-image`` wheel: ``skimage/data/astronaut.png``, Eileen Collins (NASA, public domain).
  Read from an installed scikit-image if its copy has the pinned hash, otherwise extracted from
  the pinned wheel, so scikit-image does not need to be installed.

Archives are cached under ``$OPENIDV_TEST_FACES_CACHE`` (default ``~/.cache/openidv-test-faces``)
and checked against pinned SHA-256 digests. A failed download is an error, not a skip: a face
test that silently does not run protects nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

FACE_RECOGNITION_SDIST = "face_recognition-1.3.0.tar.gz"
FACE_RECOGNITION_SDIST_SHA256 = "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
SKIMAGE_REQUIREMENT = "scikit-image==0.26.0"
ASTRONAUT_SHA256 = "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"
# Which file shows whom. Crops and re-encodings of one photo are not independent photos.
INDEPENDENT_PHOTOS = {
    "obama": "obama",
    "obama2": "obama",
    "obama3": "obama",
    "biden": "biden",
    "astronaut": "collins",
}


def _cache_dir() -> Path:
    default = Path.home() / ".cache" / "openidv-test-faces"
    path = Path(os.environ.get("OPENIDV_TEST_FACES_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pip_download(args: list[str], cache: Path) -> Path:
    """Run ``pip download`` into a fresh directory next to the cache; return the one file."""
    target = Path(tempfile.mkdtemp(dir=cache, prefix="download-"))
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(target)]
    result = subprocess.run([*command, *args], capture_output=True, text=True, check=False)
    files = list(target.iterdir())
    if result.returncode != 0 or len(files) != 1:
        shutil.rmtree(target, ignore_errors=True)
        raise RuntimeError(f"pip download {' '.join(args)} failed:\n{result.stderr}")
    return files[0]


def _cached(name: str, sha256: str, pip_args: list[str]) -> Path:
    """A pinned archive from the cache, downloading (and verifying) it on first use."""
    cache = _cache_dir()
    path = cache / name
    if path.is_file() and _sha256(path) == sha256:
        return path
    downloaded = _pip_download(pip_args, cache)
    if _sha256(downloaded) != sha256:
        raise RuntimeError(f"{downloaded.name} does not have the pinned SHA-256 {sha256}")
    downloaded.replace(path)  # atomic within the cache directory
    shutil.rmtree(downloaded.parent, ignore_errors=True)
    return path


def _extract_face_recognition_images(target: Path) -> None:
    sdist = _cached(
        FACE_RECOGNITION_SDIST,
        FACE_RECOGNITION_SDIST_SHA256,
        ["--no-binary", ":all:", "face_recognition==1.3.0"],
    )
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            if member.isfile() and "/tests/test_images/" in member.name:
                source = archive.extractfile(member)
                assert source is not None
                (target / Path(member.name).name).write_bytes(source.read())


def _astronaut_png() -> bytes:
    spec = importlib.util.find_spec("skimage")  # locate only; importing skimage is slow
    if spec is not None and spec.submodule_search_locations:
        installed = Path(next(iter(spec.submodule_search_locations))) / "data" / "astronaut.png"
        if installed.is_file() and _sha256(installed) == ASTRONAUT_SHA256:
            return installed.read_bytes()
    cache = _cache_dir()
    cached = cache / "astronaut.png"
    if cached.is_file() and _sha256(cached) == ASTRONAUT_SHA256:
        return cached.read_bytes()
    wheel = _pip_download(["--only-binary", ":all:", SKIMAGE_REQUIREMENT], cache)
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read("skimage/data/astronaut.png")
    finally:
        shutil.rmtree(wheel.parent, ignore_errors=True)
    if hashlib.sha256(data).hexdigest() != ASTRONAUT_SHA256:
        raise RuntimeError("astronaut.png does not have the pinned SHA-256")
    cached.write_bytes(data)
    return data


@pytest.fixture(scope="session")
def face_images_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory with obama.jpg, obama2.jpg, obama3.jpg, biden.jpg, 32bit.png, astronaut.png..."""
    target = tmp_path_factory.mktemp("faces")
    _extract_face_recognition_images(target)
    (target / "astronaut.png").write_bytes(_astronaut_png())
    return target


@pytest.fixture(scope="session")
def face_photos(face_images_dir: Path) -> dict[str, bytes]:
    """Encoded bytes of each independent photo, keyed obama, obama2, obama3, biden, astronaut."""
    photos: dict[str, bytes] = {}
    for name in INDEPENDENT_PHOTOS:
        matches = sorted(face_images_dir.glob(f"{name}.*"))
        assert len(matches) == 1, f"expected one file for {name}, found {matches}"
        photos[name] = matches[0].read_bytes()
    return photos
