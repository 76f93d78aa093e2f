# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The one lookup of class names, for datasets, hooks, tools and the API."""
import os.path as osp
from typing import Any, List, Optional, Sequence, Union

from aclnet_mm.utils.safe_pickle import load_pickle

__all__ = ['load_class_names']


def _read_names_file(names: str, search_dirs: Sequence[str]) -> List[str]:
    """One name per non-empty line of the first file found."""
    tried = [names]
    if not osp.isabs(names):
        tried += [osp.join(folder, names) for folder in search_dirs if folder]
    for path in tried:
        if osp.isfile(path):
            with open(path) as f:
                return [line.strip() for line in f if line.strip()]
    raise FileNotFoundError(
        f'class-names file {names!r} not found (looked at {tried}); the '
        'data preparation tools write one beside the pickle (e.g. '
        'tools/data/embedded/prepare_pose_classification_kit.py), or pass '
        'the names as a list')


def load_class_names(
    names: Union[str, Sequence[str], None] = None,
    annotations: Any = None,
    search_dirs: Sequence[str] = ()
) -> Optional[List[str]]:
    """Class names, index = label, from where a config or a pickle has them.

    In order: ``names`` as a list; ``names`` as a text file (one name a
    line) found as given, in each of ``search_dirs`` or in the folder of
    the annotation file; else the annotations' top-level ``classes``, which
    our data preparation tools write.

    Args:
        names (str | Sequence[str], optional): The names, or their file.
            Defaults to None.
        annotations (str | dict, optional): A loaded ``PoseDataset``
            annotation object, or the path of its ``.pkl`` (read only when
            ``names`` is None and the file exists). Defaults to None.
        search_dirs (Sequence[str]): Folders a relative file name is also
            looked up in. Defaults to ().

    Returns:
        list[str], optional: The names; None when neither ``names`` nor
        the annotations give any.

    Raises:
        FileNotFoundError: ``names`` is a file found nowhere; the message
            lists where it was looked for.
    """
    ann_file = annotations if isinstance(annotations, str) else None
    if isinstance(names, str):
        folders = list(search_dirs)
        if ann_file is not None:
            folders.append(osp.dirname(ann_file))
        return _read_names_file(names, folders)
    if names is not None:
        return [str(name) for name in names]
    if ann_file is not None:
        if not osp.isfile(ann_file):
            return None
        annotations = load_pickle(ann_file)  # plain data: never runs code
    if isinstance(annotations, dict) and isinstance(
            annotations.get('classes'), (list, tuple)):
        return [str(name) for name in annotations['classes']]
    return None
