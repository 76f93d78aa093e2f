# Copyright (c) aclnet-mm contributors. All rights reserved.
"""What ``tools/train.py`` and ``tools/test.py`` fill into a config.

Each function changes only what the config leaves out:

- :func:`fill_dataset_expectations`: every ``SkeletonPoseDataset`` gets
  the model's ``num_classes``, ``layout`` and ``in_channels``, so it
  validates its pickle against the model it feeds, exactly as
  ``python -m aclnet_mm.tools.validate CONFIG`` does;
- :func:`fill_head_num_nodes`: a head that takes the backbone's V x V
  topology (``ACLNetHead(feature_source='topology')``) gets the layout's
  joint count as ``num_nodes``;
- :func:`add_non_finite_loss_hook`: training stops on the first NaN / inf
  loss, naming the batch's samples (``NonFiniteLossHook(mode='raise')``);
- :func:`fill_aclnet_settings`: ACLNet's data-dependent settings follow
  from the class count, the training-set size and ``max_epochs`` by
  :func:`aclnet_settings`.
"""
import copy
import math
import os.path as osp
from typing import Any, Dict, Iterator, Optional

from mmengine.config import Config

__all__ = [
    'aclnet_settings', 'fill_dataset_expectations', 'add_non_finite_loss_hook',
    'fill_aclnet_settings', 'skeleton_datasets'
]

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def aclnet_settings(num_classes: int, num_samples: int,
                    max_epochs: int) -> Dict[str, Any]:
    """ACLNet's data-dependent settings, scaled from the reference.

    The reference (NTU60: 60 classes, about 40,000 training clips, 150
    epochs) uses 10 neighbours, an overlap above 4 (``overlap_thr=5``),
    temperature buckets at superclass sizes 10 and 20, a queue of 512 and
    confusion statistics from epoch 30. Scaled:

    - ``num_neighbors = ceil(C / 6)`` (a sixth of the classes), at least 1;
    - ``overlap_thr = ceil(num_neighbors / 2)`` (half the neighbours);
    - ``size_thresholds = (num_neighbors, 2 * num_neighbors)``;
    - ``queue_size``: the largest power of two not above ``N`` (the
      training clips) and 512, at least 16;
    - ``start_epoch = max(1, round(max_epochs / 5))`` (a fifth of the run).

    NTU60 gives (10, 5, (10, 20), 512, 30); the embedded 20-class set
    (30 epochs) gives (4, 2, (4, 8), 256, 6), its config's values.

    Args:
        num_classes (int): Classes ``C``.
        num_samples (int): Training clips ``N``.
        max_epochs (int): Length of the run.

    Returns:
        dict: ``num_neighbors``, ``overlap_thr``, ``size_thresholds``,
        ``queue_size`` and ``start_epoch``.
    """
    if num_classes < 2 or num_samples < 1 or max_epochs < 1:
        raise ValueError(f'need num_classes >= 2, num_samples >= 1 and '
                         f'max_epochs >= 1, got {num_classes}, '
                         f'{num_samples}, {max_epochs}')
    neighbors = max(1, math.ceil(num_classes / 6))
    queue = 2**int(math.floor(math.log2(max(16, min(num_samples, 512)))))
    return dict(
        num_neighbors=neighbors,
        overlap_thr=max(1, math.ceil(neighbors / 2)),
        size_thresholds=(neighbors, 2 * neighbors),
        queue_size=queue,
        start_epoch=max(1, round(max_epochs / 5)))


def _is_skeleton_dataset(cfg: Any) -> bool:
    from mmaction.registry import DATASETS

    from aclnet_mm.datasets import SkeletonPoseDataset
    kind = cfg.get('type') if isinstance(cfg, dict) else None
    cls = DATASETS.get(kind) if isinstance(kind, str) else kind
    return isinstance(cls, type) and issubclass(cls, SkeletonPoseDataset)


def skeleton_datasets(cfg: Any) -> Iterator[dict]:
    """Every ``SkeletonPoseDataset`` config of the dataloaders, wrapped
    (``RepeatDataset``, ``ConcatDataset``) ones included."""
    stack = [(cfg.get(name) or {}).get('dataset') for name in _LOADERS]
    seen = set()
    while stack:
        dataset = stack.pop()
        if not isinstance(dataset, dict) or id(dataset) in seen:
            continue
        seen.add(id(dataset))
        if _is_skeleton_dataset(dataset):
            yield dataset
        stack.append(dataset.get('dataset'))
        stack.extend(dataset.get('datasets') or [])


def fill_dataset_expectations(cfg: Config) -> None:
    """Give each ``SkeletonPoseDataset`` what the model expects.

    ``num_classes`` (the head's), ``layout`` (the backbone's
    ``graph_cfg.layout``) and ``in_channels`` (per feature stream: the
    backbone's over the pipeline's streams), each only when the dataset
    config does not set it.

    Args:
        cfg (Config): The config; modified in place.
    """
    from aclnet_mm.datasets.contract import pipeline_expectations
    from aclnet_mm.datasets.validation import default_in_channels
    model = cfg.get('model') or {}
    head = model.get('cls_head') or {}
    backbone = model.get('backbone') or {}
    layout = (backbone.get('graph_cfg') or {}).get('layout')
    total_in = default_in_channels(backbone) if backbone else None
    for dataset in skeleton_datasets(cfg):
        if head.get('num_classes') is not None:
            dataset.setdefault('num_classes', head['num_classes'])
        if layout is not None:
            dataset.setdefault('layout', copy.deepcopy(layout))
        feats = pipeline_expectations(dataset.get('pipeline'))['num_feats']
        if total_in is not None and total_in % feats == 0:
            dataset.setdefault('in_channels', total_in // feats)


def head_num_nodes(model: dict) -> Optional[tuple]:
    """``(num_nodes the head uses, joints of the layout)`` of a head that
    takes the V x V topology, None for other heads or unknown layouts."""
    import inspect

    from mmaction.registry import MODELS

    from aclnet_mm.structures import get_layout
    head = model.get('cls_head') or {}
    cls = MODELS.get(head.get('type', '')) if isinstance(
        head.get('type'), str) else None
    if cls is None or head.get('feature_source', 'topology') != 'topology':
        return None
    params = inspect.signature(cls.__init__).parameters
    if 'num_nodes' not in params or 'feature_source' not in params:
        return None
    layout = ((model.get('backbone') or {}).get('graph_cfg')
              or {}).get('layout')
    try:
        joints = get_layout(layout).num_node
    except (KeyError, ValueError, TypeError, FileNotFoundError):
        return None
    used = head.get('num_nodes')
    return (25 if used is None else used), joints


def fill_head_num_nodes(cfg: Config) -> None:
    """Set ``cls_head.num_nodes`` from the layout when the config leaves it
    out (the topology of a V-joint layout has V x V values).

    Args:
        cfg (Config): The config; modified in place.
    """
    model = cfg.get('model') or {}
    found = head_num_nodes(model)
    if found is not None and model['cls_head'].get('num_nodes') is None:
        model['cls_head']['num_nodes'] = found[1]


def add_non_finite_loss_hook(cfg: Config) -> bool:
    """Stop on a non-finite loss unless the config decides otherwise.

    Adds ``NonFiniteLossHook(mode='raise')`` when ``custom_hooks`` has no
    ``NonFiniteLossHook`` (configure one with ``mode='skip'`` to skip such
    steps instead).

    Args:
        cfg (Config): The config; modified in place.

    Returns:
        bool: Whether the hook was added.
    """
    hooks = list(cfg.get('custom_hooks') or [])
    if any(
            isinstance(h, dict) and h.get('type') == 'NonFiniteLossHook'
            for h in hooks):
        return False
    hooks.append(dict(type='NonFiniteLossHook', mode='raise'))
    cfg.custom_hooks = hooks
    return True


def _count_train_samples(cfg: Config) -> Optional[int]:
    """Training clips: the split of the training pickle (read once)."""
    import mmengine
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    while isinstance(dataset, dict) and 'ann_file' not in dataset:
        inner = dataset.get('dataset') or (dataset.get('datasets')
                                           or [None])[0]
        dataset = inner
    if not isinstance(dataset, dict) or not osp.isfile(
            str(dataset.get('ann_file'))):
        return None
    data = mmengine.load(dataset['ann_file'])
    split = dataset.get('split')
    if isinstance(data, dict) and split is not None:
        return len((data.get('split') or {}).get(split) or ())
    annotations = data.get('annotations') if isinstance(data, dict) else data
    return len(annotations or ())


def fill_aclnet_settings(cfg: Config, logger: Any = None) -> Dict[str, Any]:
    """Fill the ACLNet settings the config leaves out (see
    :func:`aclnet_settings`).

    Reads ``model.cls_head.loss_inter`` (``num_neighbors``,
    ``overlap_thr``, ``size_thresholds``), ``model.cls_head.loss_intra``
    (``queue_size``) and the ``SuperclassRefreshHook`` of ``custom_hooks``
    (``start_epoch``); the temperature thresholds live on the loss only.
    A value given in the config always wins; the
    training pickle is read only when ``queue_size`` is missing.

    Args:
        cfg (Config): The config; modified in place.
        logger (optional): Logs what was filled in.

    Returns:
        dict: The filled settings (empty when nothing was missing or the
        model is not ACLNet).
    """
    head = (cfg.get('model') or {}).get('cls_head') or {}
    inter = head.get('loss_inter')
    intra = head.get('loss_intra')
    hooks = [h for h in cfg.get('custom_hooks') or [] if isinstance(h, dict)]
    refresh = [h for h in hooks if h.get('type') == 'SuperclassRefreshHook']
    wanted = []
    if isinstance(inter, dict):
        wanted += [(inter, k)
                   for k in ('num_neighbors', 'overlap_thr', 'size_thresholds')
                   if k not in inter]
    if isinstance(intra, dict) and 'queue_size' not in intra:
        wanted.append((intra, 'queue_size'))
    wanted += [(h, 'start_epoch') for h in refresh if 'start_epoch' not in h]
    num_classes = head.get('num_classes')
    if not wanted or num_classes is None:
        return {}
    max_epochs = (cfg.get('train_cfg') or {}).get('max_epochs') or 1
    num_samples = 1
    if any(key == 'queue_size' for _, key in wanted):
        num_samples = _count_train_samples(cfg) or 1
    rule = aclnet_settings(num_classes, num_samples, max_epochs)
    filled = {}
    for where, key in wanted:
        where[key] = rule[key]
        filled[key] = rule[key]
    if logger is not None:
        logger.info(f'ACLNet settings not given in the config, from C='
                    f'{num_classes}, N={num_samples}, max_epochs='
                    f'{max_epochs}: {filled}')
    return filled
