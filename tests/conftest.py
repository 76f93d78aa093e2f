# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Shared test set-up.

``aclnet_mm`` is imported before any test module so that its compatibility
shims (the missing DRN module of the mmaction2 wheel above all) are in
place before a test imports ``mmaction.models``, as ``custom_imports``
arranges for real configs.
"""
import os

# The test models are tiny: one thread each is faster than two fighting
# over CI's two cores, and subprocess tests (torchrun, tools) inherit it.
os.environ.setdefault('OMP_NUM_THREADS', '1')

import aclnet_mm  # noqa: F401,E402
