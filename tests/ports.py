# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A free TCP port for the tests' distributed rendezvous.

On ``sys.path`` like ``tool_scripts`` (see the root ``conftest.py``):
``from ports import free_port``.
"""
import socket

__all__ = ['free_port']


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
