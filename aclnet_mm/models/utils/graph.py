# Copyright (c) aclnet-mm contributors. All rights reserved.
"""MMAction2's ``Graph`` for any layout of :mod:`aclnet_mm.structures`."""
from typing import Union

from mmaction.models.utils import Graph

from aclnet_mm.structures import MMACTION_LAYOUTS, SkeletonLayout, get_layout

__all__ = ['build_graph']


def build_graph(layout: Union[str, dict, SkeletonLayout] = 'coco',
                mode: str = 'spatial',
                max_hop: int = 1) -> Graph:
    """MMAction2's ``Graph`` of a layout from our table, a dict or a file.

    A name MMAction2 knows is passed through, so its own graphs stay
    bit-identical; any other layout is resolved by
    :func:`~aclnet_mm.structures.get_layout` and given to ``Graph`` as the
    dict it accepts (``Graph`` itself is not changed).

    Args:
        layout (str | dict | SkeletonLayout): The layout.
        mode (str): ``Graph``'s adjacency mode. Defaults to 'spatial'.
        max_hop (int): ``Graph``'s hop distance. Defaults to 1.

    Returns:
        mmaction.models.utils.Graph: The graph.
    """
    if not (isinstance(layout, str) and layout in MMACTION_LAYOUTS):
        layout = get_layout(layout).to_graph_dict()
    return Graph(layout=layout, mode=mode, max_hop=max_hop)
