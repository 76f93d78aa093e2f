# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Packaging; metadata and dependencies live in ``setup.cfg``."""
from setuptools import setup

if __name__ == '__main__':
    setup()
