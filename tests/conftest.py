# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Shared test set-up.

``aclnet_mm`` is imported before any test module so that its compatibility
shims (the missing DRN module of the mmaction2 wheel above all) are in
place before a test imports ``mmaction.models``, as ``custom_imports``
arranges for real configs.
"""
import aclnet_mm  # noqa: F401
