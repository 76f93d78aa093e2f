# Copyright (c) aclnet-mm contributors. All rights reserved.
"""What each pipeline transform requires of a sample and what it produces.

One contract per transform class, read by the validator, the dataset's
build-time check, the inference API and the ONNX export, so that all four
agree on what a pipeline expects: coordinates (2D / 3D), feature streams
and the layout they are built on, persons and clip length. Our transforms
declare theirs in code (a ``CONTRACT`` class attribute); the MMAction2
transforms our configs use are declared in :data:`MMACTION_CONTRACTS`. A
transform is found by its registered class, never by a name suffix.
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmaction.registry import TRANSFORMS

from aclnet_mm.utils.config_types import resolve_type

__all__ = [
    'TransformContract', 'MMACTION_CONTRACTS', 'get_contract', 'contract_arg',
    'pipeline_expectations', 'GENSKEFEAT_STREAMS'
]

# Feature streams of MMAction2's GenSkeFeat.
GENSKEFEAT_STREAMS = ('j', 'b', 'jm', 'bm')


@dataclass(frozen=True)
class TransformContract:
    """The declared interface of one transform.

    Args:
        requires (tuple[str]): Sample keys it reads.
        produces (tuple[str]): Sample keys it adds or rewrites.
        dim (int, optional): Coordinates per joint it requires (2 or 3).
        layout_arg (str, optional): Its argument naming the skeleton
            layout (joint count and tree).
        default_layout (str, optional): That argument's default.
        streams_arg (str, optional): Its argument listing the feature
            streams it builds (one block of channels each).
        default_streams (tuple[str]): That argument's default.
        allowed_streams (tuple[str]): The streams it can build.
        bone_table (str, optional): ``'always'`` when its bone streams use
            MMAction2's fixed bone tables, the name of the argument that
            asks for them (value ``'mmaction'``), or None.
        persons_arg (str, optional): Its argument fixing the number of
            persons ``M`` of the output.
        default_persons (int, optional): That argument's default.
        clip_len_arg (str, optional): Its argument fixing the frames
            ``T`` of the output clip.
        input_layout (str, optional): The layout (joints) it requires
            when it changes the joints, e.g. ``'coco'`` for a transform that
            makes ``'coco_new'`` joints; the data must then have this
            layout's joints rather than the model's.
    """
    requires: Tuple[str, ...] = ()
    produces: Tuple[str, ...] = ()
    dim: Optional[int] = None
    layout_arg: Optional[str] = None
    default_layout: Optional[str] = None
    streams_arg: Optional[str] = None
    default_streams: Tuple[str, ...] = ('j', )
    allowed_streams: Tuple[str, ...] = ()
    bone_table: Optional[str] = None
    persons_arg: Optional[str] = None
    default_persons: Optional[int] = None
    clip_len_arg: Optional[str] = None
    input_layout: Optional[str] = None


_KP = ('keypoint', )
# MMAction2 1.2.0 transforms used by our configs (and UniformSample, whose
# clip length the video demo reads), restated from their code.
MMACTION_CONTRACTS: Dict[str, TransformContract] = {
    'PreNormalize2D':
    TransformContract(requires=('keypoint', 'img_shape'), produces=_KP, dim=2),
    'PreNormalize3D':
    TransformContract(requires=_KP, produces=_KP, dim=3),
    'GenSkeFeat':
    TransformContract(
        requires=_KP,
        produces=_KP,
        layout_arg='dataset',
        default_layout='nturgb+d',
        streams_arg='feats',
        allowed_streams=GENSKEFEAT_STREAMS,
        bone_table='always'),
    'UniformSampleFrames':
    TransformContract(
        requires=('total_frames', ),
        produces=('frame_inds', 'clip_len', 'num_clips'),
        clip_len_arg='clip_len'),
    'SampleFrames':
    TransformContract(
        requires=('total_frames', ),
        produces=('frame_inds', 'clip_len', 'num_clips'),
        clip_len_arg='clip_len'),
    'UniformSample':
    TransformContract(
        requires=('total_frames', ),
        produces=('frame_inds', 'clip_len', 'num_clips'),
        clip_len_arg='clip_len'),
    'PoseDecode':
    TransformContract(requires=('keypoint', 'frame_inds'), produces=_KP),
    'DecompressPose':
    TransformContract(
        requires=('keypoint', 'frame_inds', 'total_frames'),
        produces=('keypoint', 'keypoint_score')),
    'PoseCompact':
    TransformContract(requires=('keypoint', 'img_shape'), produces=_KP),
    'FormatGCNInput':
    TransformContract(
        requires=_KP,
        produces=_KP,
        persons_arg='num_person',
        default_persons=2),
    'PackActionInputs':
    TransformContract(requires=_KP, produces=('inputs', 'data_samples')),
}


def _transform_class(step: Any) -> Optional[type]:
    if isinstance(step, dict):
        return resolve_type(step.get('type'), TRANSFORMS)
    return step if isinstance(step, type) else type(step)


def get_contract(step: Any) -> Optional[TransformContract]:
    """The contract of a transform config or built transform.

    Args:
        step (dict | type | object): A transform config
            (``dict(type=...)``), class or built transform.

    Returns:
        TransformContract, optional: Declared by the class (``CONTRACT``),
        else by :data:`MMACTION_CONTRACTS` for MMAction2's own class (or a
        subclass that declares nothing), else None.
    """
    cls = _transform_class(step)
    if cls is None:
        return None
    for klass in cls.__mro__:
        own = klass.__dict__.get('CONTRACT')
        if own is not None:
            return own
        if klass.__module__.startswith('mmaction.') \
                and klass.__name__ in MMACTION_CONTRACTS:
            return MMACTION_CONTRACTS[klass.__name__]
    return None


def contract_arg(step: Any, arg: Optional[str], default: Any = None) -> Any:
    """The value of a contract argument in a config or a built transform."""
    if arg is None:
        return default
    if isinstance(step, dict):
        return step.get(arg, default)
    return getattr(step, arg, default)


def _flatten(pipeline: Sequence) -> List[Any]:
    """Transforms in order, those inside wrapper transforms included."""
    steps = []
    for step in pipeline or ():
        steps.append(step)
        inner = contract_arg(step, 'transforms')
        if isinstance(inner, (list, tuple)):
            steps.extend(_flatten(inner))
    return steps


def stream_step(step: Any) -> Optional[Dict[str, Any]]:
    """What a feature-stream transform builds, as a plain dict.

    Returns:
        dict, optional: ``type``, ``key`` (the layout argument), ``name``
        (its value), ``feats``, ``allowed``, ``bone_field`` (the argument
        asking for MMAction2's bone tables, or None) and ``uses_layout``;
        None for a transform without a ``streams_arg``.
    """
    contract = get_contract(step)
    if contract is None or contract.streams_arg is None:
        return None
    feats = contract_arg(step, contract.streams_arg,
                         list(contract.default_streams))
    if isinstance(feats, tuple):
        feats = list(feats)
    bones = isinstance(feats, list) and any(f in ('b', 'bm') for f in feats)
    if contract.bone_table == 'always':
        bone_field = contract.streams_arg if bones else None
        uses_layout = bones  # GenSkeFeat reads it for the bone table only
    elif contract.bone_table is not None:
        asked = contract_arg(step, contract.bone_table) == 'mmaction'
        bone_field = contract.bone_table if asked else None
        uses_layout = True
    else:
        bone_field, uses_layout = None, True
    kind = _transform_class(step)
    return dict(
        type=getattr(kind, '__name__', str(kind)),
        key=contract.layout_arg,
        name=contract_arg(step, contract.layout_arg, contract.default_layout),
        feats=feats,
        allowed=contract.allowed_streams,
        bone_field=bone_field,
        uses_layout=uses_layout)


def pipeline_expectations(pipeline: Sequence) -> Dict[str, Any]:
    """What a pipeline (configs or built transforms) expects and makes.

    Args:
        pipeline (Sequence): Transform configs or built transforms.

    Returns:
        dict: ``dim`` (2, 3 or None), ``num_feats`` (feature streams
        stacked on the channels), ``ske_dataset`` (the layout the streams
        are built on), ``num_person`` and ``clip_len`` (None when no
        transform fixes them), ``data_layout`` (the layout the data must
        have when a transform changes the joints, else None) and
        ``steps`` (one stream dict per top-level transform, None for the
        others).
    """
    out = dict(
        dim=None,
        num_feats=1,
        ske_dataset=None,
        num_person=None,
        clip_len=None,
        data_layout=None,
        steps=[])
    for step in pipeline or ():
        out['steps'].append(stream_step(step))
    for step in _flatten(pipeline):
        contract = get_contract(step)
        if contract is None:
            continue
        if contract.dim is not None:
            out['dim'] = contract.dim
        if contract.input_layout is not None and out['data_layout'] is None:
            out['data_layout'] = contract.input_layout
        stream = stream_step(step)
        if stream is not None and isinstance(stream['feats'], list):
            out['num_feats'] = len(stream['feats']) or 1
            out['ske_dataset'] = stream['name']
        if contract.persons_arg is not None:
            out['num_person'] = contract_arg(step, contract.persons_arg,
                                             contract.default_persons)
        if contract.clip_len_arg is not None:
            out['clip_len'] = contract_arg(step, contract.clip_len_arg)
    return out
