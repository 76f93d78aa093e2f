# Copyright (c) aclnet-mm contributors. All rights reserved.
"""What a config expects of its data, and checks of the config itself.

The pipeline is read through the transforms' contracts
(:mod:`aclnet_mm.datasets.contract`), the model through its registered
classes, so the validator, the datasets and the inference API agree. The
config is checked as it is written, nothing is filled in: a ``type`` may be
a registered name (text configs) or the class itself (pure-Python configs).
"""
import inspect
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Union

from mmaction.registry import MODELS
from mmengine.config import Config

from aclnet_mm.structures import get_layout
from aclnet_mm.utils.config_types import resolve_type
from ..contract import pipeline_expectations, stream_step
from ..transforms.skeleton_streams import _MMACTION_BONE_TABLES
from .problems import Problem, ValidationReport
from .samples import validate_pickle

__all__ = [
    'expectations_from_config', 'check_pipeline', 'check_config',
    'validate_config', 'default_in_channels'
]

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _unwrap_dataset(cfg: dict, where: str = 'dataset') -> tuple:
    """The dataset that holds ``ann_file`` and its key path in the config."""
    # RepeatDataset / ClassBalancedDataset hold the real one in `dataset`.
    while isinstance(cfg, dict) and 'ann_file' not in cfg \
            and isinstance(cfg.get('dataset'), dict):
        cfg, where = cfg['dataset'], where + '.dataset'
    return cfg, where


def _model_class(cfg: Any) -> Optional[type]:
    """The class of a model-part config; None when unknown."""
    if not isinstance(cfg, dict):
        return None
    return resolve_type(cfg.get('type'), MODELS)


def _default_arg(cls: Optional[type], name: str) -> Any:
    """The default of ``cls.__init__``'s argument ``name``, or None."""
    if cls is None:
        return None
    param = inspect.signature(cls.__init__).parameters.get(name)
    if param is None or param.default is inspect.Parameter.empty:
        return None
    return param.default


def _try_layout(layout: Any):
    """The :class:`SkeletonLayout`, or the error message when unknown."""
    try:
        return get_layout(layout), None
    except (KeyError, TypeError, ValueError) as err:
        return None, str(err.args[0] if err.args else err)


def _same_skeleton(first, second) -> bool:
    return (first.num_node, first.center, sorted(first.inward)) == \
        (second.num_node, second.center, sorted(second.inward))


def check_pipeline(pipeline: Optional[Sequence],
                   file: str,
                   graph_layout: Optional[Union[str, dict]] = None,
                   where: str = 'pipeline') -> List[Problem]:
    """Check the layout names and streams of a pipeline's stream transforms.

    The transforms with a ``streams_arg`` in their contract, e.g.
    ``GenSkeFeat`` (MMAction2: ``j``, ``b``, ``jm``, ``bm``; bones only for
    ``nturgb+d``, ``openpose`` and ``coco``) and ``GenSkeletonStreams``
    (ours: also ``k`` / ``km``, any layout).

    Args:
        pipeline (Sequence, optional): Transform configs or built
            transforms.
        file (str): The config, for the messages.
        graph_layout (str | dict, optional): The model's
            ``graph_cfg.layout``; a stream transform naming another skeleton
            is a ``layout_conflict``. Defaults to None.
        where (str): Key path of the pipeline, for the fields. Defaults to
            ``'pipeline'``.

    Returns:
        list[Problem]: ``unknown_layout``, ``unsupported_stream`` and
        ``layout_conflict`` problems.
    """
    problems = []
    graph = _try_layout(graph_layout)[0] if graph_layout else None
    for k, raw in enumerate(pipeline or ()):
        step = stream_step(raw)
        if step is None:
            continue
        kind, prefix = step['type'], f'{where}[{k}]'
        feats = step['feats']
        streams = list(feats) if isinstance(feats, (list, tuple)) else None
        unknown = [f for f in streams or () if f not in step['allowed']]
        if not streams or unknown:
            hint = ''
            if any(f in ('k', 'km') for f in unknown):
                hint = ('; K-bone streams (k, km) need GenSkeletonStreams '
                        '(type="GenSkeletonStreams", layout=..., feats=...)')
            problems.append(
                Problem(
                    'unsupported_stream', f'{kind} cannot build feats='
                    f'{feats!r}: it knows {list(step["allowed"])}{hint}',
                    file,
                    field=f'{prefix}.feats'))
        if not step['uses_layout']:
            continue
        name = step['name']
        spec, error = _try_layout(name)
        if spec is None:
            problems.append(
                Problem(
                    'unknown_layout',
                    f'{kind} {step["key"]}={name!r}: {error}',
                    file,
                    field=f'{prefix}.{step["key"]}'))
            continue
        if step['bone_field'] and name not in _MMACTION_BONE_TABLES:
            problems.append(
                Problem(
                    'unsupported_stream', f'{kind} with '
                    f'{step["key"]}={name!r} asks for MMAction2\'s bone '
                    f'table, which exists only for {_MMACTION_BONE_TABLES}; '
                    'use GenSkeletonStreams with bone_tree="auto" or '
                    '"layout", which takes bones from the layout\'s own tree',
                    file,
                    field=f'{prefix}.{step["bone_field"]}'))
        if graph is not None and not _same_skeleton(spec, graph):
            problems.append(
                Problem(
                    'layout_conflict', f'{kind} builds streams on '
                    f'{spec.name!r} ({spec.num_node} joints) but the '
                    f"model's graph_cfg.layout is {graph.name!r} "
                    f'({graph.num_node} joints): bones would follow the '
                    'wrong tree, or the joint counts clash; name the same '
                    'layout in both',
                    file,
                    field=f'{prefix}.{step["key"]}'))
    return problems


def _check_head(cfg: Any, file: str) -> List[Problem]:
    """A topology head must have as many nodes as the layout has joints."""
    model = cfg.get('model') or {}
    head = model.get('cls_head') or {}
    cls = _model_class(head)
    if cls is None:
        return []
    params = inspect.signature(cls.__init__).parameters
    if 'num_nodes' not in params or 'feature_source' not in params:
        return []
    source = head.get('feature_source', params['feature_source'].default)
    graph, _ = _try_layout(((model.get('backbone') or {}).get('graph_cfg')
                            or {}).get('layout'))
    used = head.get('num_nodes', params['num_nodes'].default)
    if used is None:
        used = 25  # ACLNetHead's None: NTU RGB+D's 25 joints
    if source != 'topology' or graph is None or used == graph.num_node:
        return []
    return [
        Problem(
            'layout_mismatch', f'the head compares V x V topologies with '
            f'num_nodes={used}, but the graph layout has {graph.num_node} '
            f'joints; set num_nodes={graph.num_node}',
            file,
            field='model.cls_head.num_nodes')
    ]


def _check_class_name_files(cfg: Any, file: str) -> List[Problem]:
    """Class-name files named by datasets and hooks must exist."""
    places = []
    for loader in _DATALOADERS:
        dataset, where = _unwrap_dataset(
            (cfg.get(loader) or {}).get('dataset'), f'{loader}.dataset')
        if isinstance(dataset, dict):
            places.append((dataset.get('class_names'), f'{where}.class_names',
                           dataset.get('ann_file')))
    for k, hook in enumerate(cfg.get('custom_hooks') or []):
        if isinstance(hook, dict):
            places.append((hook.get('class_names'),
                           f'custom_hooks[{k}].class_names', None))
    problems = []
    for names, field, ann_file in places:
        if not isinstance(names, str) or osp.isfile(names) or (
                ann_file
                and osp.isfile(osp.join(osp.dirname(str(ann_file)), names))):
            continue
        problems.append(
            Problem(
                'missing_file', f'class-names file {names!r} does not exist '
                '(relative paths are read from the working directory); leave '
                'it out to take the names from the pickle\'s "classes"',
                file,
                field=field))
    return problems


def check_config(cfg: Any, file: str = '<config>') -> List[Problem]:
    """Check a config's layout names and feature streams.

    Args:
        cfg (Config | dict): The loaded config.
        file (str): Its path, for the messages. Defaults to
            ``'<config>'``.

    Returns:
        list[Problem]: Problems of the graph layout and of every
        dataloader's pipeline (see :func:`check_pipeline`).
    """
    backbone = (cfg.get('model') or {}).get('backbone') or {}
    layout = (backbone.get('graph_cfg') or {}).get('layout')
    problems = []
    if layout is not None:
        error = _try_layout(layout)[1]
        if error is not None:
            problems.append(
                Problem(
                    'unknown_layout',
                    error,
                    file,
                    field='model.backbone.graph_cfg.layout'))
    problems.extend(_check_head(cfg, file))
    problems.extend(_check_class_name_files(cfg, file))
    seen = []
    for loader in _DATALOADERS:
        dataset, where = _unwrap_dataset(
            (cfg.get(loader) or {}).get('dataset'), f'{loader}.dataset')
        if not isinstance(dataset, dict):
            continue
        pipeline = dataset.get('pipeline')
        if pipeline in seen:  # test_dataloader = val_dataloader
            continue
        seen.append(pipeline)
        problems.extend(
            check_pipeline(pipeline, file, layout, f'{where}.pipeline'))
    return problems


def default_in_channels(backbone: dict) -> Optional[int]:
    """The backbone's ``in_channels``: given, else its class default."""
    if 'in_channels' in backbone:
        return backbone['in_channels']
    return _default_arg(_model_class(backbone), 'in_channels')


def expectations_from_config(cfg: Any) -> List[Dict[str, Any]]:
    """What the config's datasets and model expect of the pickle.

    Args:
        cfg (str | Config | dict): A config file or object.

    Returns:
        list[dict]: One entry per distinct ``(ann_file, split)`` of the
        train / val / test dataloaders, with the keys ``ann_file``,
        ``split``, ``num_classes``, ``layout`` (of the data: the model's,
        unless a transform changes the joints), ``in_channels`` (per
        feature stream), ``dim``, ``num_person``, ``clip_len``,
        ``skeleton_prefix``, ``class_names`` (the dataset's own, may be
        None) and ``source`` (the dataloader names).
    """
    if isinstance(cfg, str):
        cfg = Config.fromfile(cfg)
    model = cfg.get('model') or {}
    head = model.get('cls_head') or {}
    backbone = model.get('backbone') or {}
    graph_cfg = backbone.get('graph_cfg') or {}
    layout = graph_cfg.get('layout')
    total_in = default_in_channels(backbone) if backbone else None

    entries = {}
    for loader in _DATALOADERS:
        dataset = _unwrap_dataset((cfg.get(loader) or {}).get('dataset'))[0]
        if not isinstance(dataset, dict) or 'ann_file' not in dataset:
            continue
        ann_file = dataset['ann_file']
        data_root = dataset.get('data_root')
        if data_root and not osp.isabs(ann_file):
            ann_file = osp.join(data_root, ann_file)
        split = dataset.get('split')
        key = (ann_file, split)
        if key in entries:
            entries[key]['source'].append(loader)
            continue
        pipe = pipeline_expectations(dataset.get('pipeline'))
        in_channels = None
        if total_in is not None and total_in % pipe['num_feats'] == 0:
            in_channels = total_in // pipe['num_feats']
        prefix = (dataset.get('data_prefix') or {}).get('skeleton')
        entries[key] = dict(
            ann_file=ann_file,
            split=split,
            num_classes=head.get('num_classes', dataset.get('num_classes')),
            layout=pipe['data_layout']
            or (layout if layout is not None else pipe['ske_dataset']),
            in_channels=in_channels,
            dim=pipe['dim'] or dataset.get('dim'),
            num_person=pipe['num_person'],
            clip_len=pipe['clip_len'],
            skeleton_prefix=prefix,
            class_names=dataset.get('class_names'),
            source=[loader])
    return list(entries.values())


def validate_config(cfg: Any,
                    split: Optional[str] = None,
                    num_classes: Optional[int] = None,
                    layout: Optional[Union[str, dict]] = None,
                    load_skeletons: bool = False,
                    progress: bool = False) -> List[ValidationReport]:
    """Check every annotation file a config reads against its model.

    Args:
        cfg (str | Config | dict): The config.
        split (str, optional): Check only this split of each file
            (instead of each dataloader's own). Defaults to None.
        num_classes (int, optional): Overrides the head's. Defaults to
            None.
        layout (str | dict, optional): Overrides the backbone's
            ``graph_cfg.layout``. Defaults to None.
        load_skeletons (bool): See :func:`check_annotations`.
        progress (bool): See :func:`check_annotations`.

    Returns:
        list[ValidationReport]: One per distinct ``(ann_file, split)``,
        after one for the config itself when its layouts or streams are
        wrong (:func:`check_config`) or it cannot be read.
    """
    name = cfg if isinstance(cfg, str) else '<config>'
    if isinstance(cfg, str):
        try:
            cfg = Config.fromfile(cfg)
        except Exception as err:  # noqa: BLE001 - any config failure
            return [
                ValidationReport(name, [
                    Problem('config', f'cannot be read: {type(err).__name__}: '
                            f'{err}', name)
                ])
            ]
    entries = expectations_from_config(cfg)
    if not entries:
        return [
            ValidationReport(name, [
                Problem(
                    'config',
                    'no train/val/test dataloader with an ann_file',
                    name,
                    field='train_dataloader.dataset.ann_file')
            ])
        ]
    config_problems = check_config(cfg, name)
    reports = [ValidationReport(name, config_problems)] \
        if config_problems else []
    done, missing = set(), set()
    for entry in entries:
        entry_split = split if split is not None else entry['split']
        if (entry['ann_file'], entry_split) in done \
                or entry['ann_file'] in missing:
            continue
        done.add((entry['ann_file'], entry_split))
        if not osp.isfile(entry['ann_file']):
            # One report for a missing file, not one per split.
            missing.add(entry['ann_file'])
        entry_layout = layout
        if entry_layout is None and _try_layout(entry['layout'])[0]:
            # An unknown config layout is in the config's own report.
            entry_layout = entry['layout']
        report = validate_pickle(
            entry['ann_file'],
            split=entry_split,
            num_classes=(num_classes
                         if num_classes is not None else entry['num_classes']),
            layout=entry_layout,
            in_channels=entry['in_channels'],
            dim=entry['dim'],
            skeleton_prefix=entry['skeleton_prefix'],
            load_skeletons=load_skeletons,
            progress=progress)
        reports.append(report)
    return reports
