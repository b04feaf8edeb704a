"""Loaded by every Python process started with this folder on ``PYTHONPATH`` (the Windows lane
and the tests of Windows fixes): installs the simulations the environment asks for (see
``winsim.py``)."""

import winsim

winsim.install_from_environment()
