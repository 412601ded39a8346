"""The local stack: template.yaml brought up on moto, in one process, on loopback.

The shared layer is put on the import path here, as Lambda puts /opt/python there, so
that local tools (samples, the demo) can use the domain package too.
"""

import sys
from pathlib import Path

_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "common")
if _LAYER not in sys.path:
    sys.path.append(_LAYER)
