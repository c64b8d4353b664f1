"""The conformance corpus (tests/tools/gen_conformance.py): the directory
named by PIXELCACHE_CONFORMANCE_DIR (ctest generates it once), or a fresh
one in a temporary directory."""
import atexit
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

TOOLS = pathlib.Path(__file__).resolve().parents[1] / "tools"
DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(TOOLS))


def _corpus_dir() -> pathlib.Path:
    given = os.environ.get("PIXELCACHE_CONFORMANCE_DIR")
    if given and (pathlib.Path(given) / "manifest.json").exists():
        return pathlib.Path(given)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="pixelcache_conformance_"))
    atexit.register(shutil.rmtree, tmp, True)
    subprocess.run([sys.executable, str(TOOLS / "gen_conformance.py"), str(tmp)], check=True,
                   stdout=subprocess.DEVNULL)
    return tmp


CORPUS = _corpus_dir()
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
