"""Remake the bundled sample boundary hierarchy `ADMIN.json.gz`.

A fictional country, deterministic (fixed seed, fixed gzip timestamp), so running this
again yields the same bytes:

    .venv/bin/python -m local.boundary_sample

(a development script: it lives here, not in the layer, which ships only what runs)

File format (gzip of JSON): {"hierarchyType", "levels": [top..bottom],
"boundaries": [[code, name, type, parentCode | null], ...]}, parents before children.
Codes are `boundary_code` of the path of names, as for boundaries created from a sheet.
"""

import gzip
import json
import random
from pathlib import Path

from project_factory.sheets.boundary_paths import boundary_code

HIERARCHY_TYPE = "ADMIN"
LEVELS = ("Country", "Province", "District", "Locality")
COUNTRY = "Kalanga"
PROVINCES = 8
DISTRICTS_PER_PROVINCE = (7, 8)
LOCALITIES_PER_DISTRICT = 50
SEED = 20240601
_SYLLABLES = (
    "ba",
    "ka",
    "la",
    "ma",
    "na",
    "ra",
    "sa",
    "ta",
    "wa",
    "ya",
    "zi",
    "mo",
    "lu",
    "ne",
    "ko",
    "bu",
    "di",
    "ge",
    "hi",
    "ji",
    "ku",
    "lo",
    "mi",
    "nu",
    "po",
    "ri",
    "su",
    "te",
    "vo",
    "chi",
    "sha",
    "ndo",
    "mbe",
    "nga",
    "kwe",
)


def _names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """`count` pronounceable names, none of them in `taken` (which they are added to)."""
    names: list[str] = []
    while len(names) < count:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3, 3)))).capitalize()
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def build() -> bytes:
    """The gzipped hierarchy, byte for byte what is committed."""
    rng = random.Random(SEED)
    taken = {COUNTRY}
    rows: list[list[str | None]] = [[boundary_code([COUNTRY]), COUNTRY, LEVELS[0], None]]
    district_rows: list[list[str | None]] = []
    locality_rows: list[list[str | None]] = []
    for province in _names(rng, PROVINCES, taken):
        province_path = [COUNTRY, province]
        rows.append([boundary_code(province_path), province, LEVELS[1], rows[0][0]])
        for district in _names(rng, rng.choice(DISTRICTS_PER_PROVINCE), taken):
            district_path = [*province_path, district]
            district_code = boundary_code(district_path)
            district_rows.append([district_code, district, LEVELS[2], boundary_code(province_path)])
            for locality in _names(rng, LOCALITIES_PER_DISTRICT, taken):
                code = boundary_code([*district_path, locality])
                locality_rows.append([code, locality, LEVELS[3], district_code])
    document = {
        "hierarchyType": HIERARCHY_TYPE,
        "levels": list(LEVELS),
        "boundaries": rows + district_rows + locality_rows,
    }
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return gzip.compress(data, compresslevel=9, mtime=0)


#: the bundled sample, read by adapters/boundary_source.BundledBoundarySource
TARGET = (
    Path(__file__).resolve().parents[1]
    / "layers/common/project_factory/data/boundaries"
    / f"{HIERARCHY_TYPE}.json.gz"
)

if __name__ == "__main__":
    TARGET.write_bytes(build())
    print(f"wrote {TARGET}")
