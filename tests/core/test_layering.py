import subprocess
import sys


def test_the_core_never_imports_streamlit():
    code = (
        "import sys, simulator.session, simulator.cli, simulator.batch, simulator.judge.calibration, "
        "simulator.store.labels; print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
