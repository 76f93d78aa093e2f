# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The main job on the embedded real data (``make demo``).

See :mod:`aclnet_mm.tools.demo`.
"""
from aclnet_mm.tools.demo import main

if __name__ == '__main__':
    main()
