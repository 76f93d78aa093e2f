# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Entry point; the implementation is :mod:`aclnet_mm.tools.ensemble`."""
from aclnet_mm.tools.ensemble import main

if __name__ == '__main__':
    main()
