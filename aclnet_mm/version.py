# Copyright (c) aclnet-mm contributors. All rights reserved.
__version__ = '0.1.0'


def _parse_version_info(version: str) -> tuple:
    """Split ``'1.2.3'`` into ``(1, 2, 3)``."""
    return tuple(int(part) for part in version.split('.') if part.isdigit())


version_info = _parse_version_info(__version__)

__all__ = ['__version__', 'version_info']
