# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Entry point of :mod:`aclnet_mm.tools.convert_checkpoint`.

``python tools/convert_checkpoint.py SRC DST [--config CFG]``
"""
import sys

from aclnet_mm.tools.convert_checkpoint import main

if __name__ == '__main__':
    sys.exit(main())
