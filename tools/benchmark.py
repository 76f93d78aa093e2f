# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Entry point; the implementation is :mod:`aclnet_mm.tools.benchmark`."""
from aclnet_mm.tools.benchmark import main

if __name__ == '__main__':
    main()
