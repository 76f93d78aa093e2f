# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Entry point; the implementation is :mod:`aclnet_mm.tools.test`."""
from aclnet_mm.tools.test import main

if __name__ == '__main__':
    main()
