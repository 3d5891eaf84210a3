"""Starts Synapse, but first asks Linux to kill it when the test process that spawned it dies.

Without this a test worker killed with SIGKILL (a timeout, a crash) would leave Synapse running.
Usage: python run-synapse.py --config-path homeserver.yaml
"""

import ctypes
import os
import runpy
import signal
import sys

PR_SET_PDEATHSIG = 1

if sys.platform == "linux":
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # The parent may have died before prctl took effect.
    if os.getppid() != int(os.environ.get("SYNAPSE_TEST_PARENT_PID", os.getppid())):
        sys.exit(1)

sys.argv[0] = "synapse.app.homeserver"
runpy.run_module("synapse.app.homeserver", run_name="__main__", alter_sys=True)
