# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Seeded ablation of config variants (docs/ablation.md).

See :mod:`aclnet_mm.tools.ablation`.
"""
from aclnet_mm.tools.ablation import main

if __name__ == '__main__':
    main()
