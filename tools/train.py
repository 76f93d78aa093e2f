# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Entry point; the implementation is :mod:`aclnet_mm.tools.train`."""
from aclnet_mm.tools.train import main

if __name__ == '__main__':
    main()
