# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Convert ACLNet / ProtoGCN / PYSKL checkpoints into aclnet-mm checkpoints.

``python tools/convert_checkpoint.py SRC DST [--config CFG]``

Three source formats are recognised from their keys:

* ``'aclnet'``: a checkpoint of the authors' code (firework8/ACLNet, a PYSKL
  fork; e.g. the released ``best_top1_acc_epoch_*.pth``). Its recognizer
  holds ``backbone`` (``GCN_Module``) and ``cls_head`` (``SimpleHead``) with
  the classifier ``fc_cls`` and the two losses' projection layers
  ``inter_loss.cl_fc`` and ``intra_loss.cl_fc``.
* ``'protogcn'``: a checkpoint of firework8/ProtoGCN (the same authors'
  later PYSKL fork). Its backbone ``ProtoGCN`` is ``GCN_Module``'s trunk
  plus ``post``, ``bn`` and the prototype reconstruction ``prn``; its
  ``SimpleHead`` holds ``fc_cls`` and the class-specific contrastive loss's
  projection ``csc_loss.cl_fc``. Recognised by ``backbone.prn.*`` or
  ``cls_head.csc_loss.*`` keys.
* ``'pyskl'``: a plain PYSKL checkpoint of the same network family
  (``DGSTGCN`` backbone, whose keys equal ``GCN_Module``'s, and ``GCNHead``
  with ``fc_cls`` only).

Keys are renamed onto :class:`~aclnet_mm.models.backbones.ACLGCN` and
:class:`~aclnet_mm.models.heads.ACLNetHead` (``'aclnet'``, ``'pyskl'``) or
:class:`~aclnet_mm.models.backbones.ProtoGCN` and
:class:`~aclnet_mm.models.heads.ProtoGCNHead` (``'protogcn'``); the
backbone's renaming is the identity, checked key by key by
:func:`~aclnet_mm.models.backbones.aclgcn.map_reference_key` against the
trunk's map (plus ``PROTOGCN_KEY_MAP``'s ``post.*``, ``bn.*`` and
``prn.{query,memory}_matrix.weight`` for ``'protogcn'``):

==================================  ==================================
source                              ours
==================================  ==================================
``backbone.*``                      ``backbone.*``
``cls_head.fc_cls.*``               ``cls_head.fc.*``
``cls_head.inter_loss.cl_fc.*``     ``cls_head.loss_inter.proj.*``
``cls_head.intra_loss.cl_fc.*``     ``cls_head.loss_intra.proj.*``
``cls_head.csc_loss.cl_fc.*``       ``cls_head.loss_proto.cl_fc.*``
==================================  ==================================

The converted weights are checked against a target model: the one built
from ``--config``, or else one inferred from the checkpoint's own shapes
(:func:`infer_model_cfg`). Any unmapped source key, any key the target needs
but the source lacks, and any shape mismatch stop the conversion with a
:class:`CheckpointConversionError` that lists them. State the reference
never saved (ACLNet's losses' prototypes, confusion counts, superclass masks
and memory queue, and ProtoGCN's class prototypes ``avg_f``, which the
reference kept as plain attributes; the projections of a loss the source has
none of, e.g. for a PYSKL source or with ``--drop-losses``) is taken from the
freshly built target and reported.

Loading follows the package's one policy
(:func:`aclnet_mm.utils.checkpoint_loading.load_checkpoint_file`): the
file's CRCs are checked, it is read with ``weights_only=True`` (mmcv-1.x
checkpoints keep numpy scalars, e.g. ``hook_msgs.best_score``, which are
allowed for the load only), and a file that needs arbitrary classes is
refused, naming the file and the opt-in (``--unsafe-load`` or
``ACLNET_MM_ALLOW_UNSAFE_LOAD=1``; opting in prints a warning).

The output is an MMEngine checkpoint ``{'meta': ..., 'state_dict': ...}``
whose ``meta['converted_from']`` names the source file, its sha256, the
detected format and reference code, and the date; it holds plain data only,
so it loads with ``weights_only=True``.
"""
import argparse
import datetime
import hashlib
import os
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

import aclnet_mm  # noqa: F401  (registration)
from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.models.backbones.aclgcn import (REFERENCE_KEY_MAP,
                                               map_reference_key)
from aclnet_mm.models.backbones.aclgcn_from_weights import infer_model_cfg
from aclnet_mm.models.backbones.protogcn import PROTOGCN_KEY_MAP
from aclnet_mm.utils.checkpoint_loading import (UnsafeCheckpointError,
                                                load_checkpoint_file,
                                                unsafe_load_allowed)
from aclnet_mm.version import __version__

__all__ = [
    'CheckpointConversionError', 'REFERENCE_CODE', 'load_source_checkpoint',
    'detect_format', 'map_source_key', 'convert_state_dict', 'infer_model_cfg',
    'check_against_model', 'convert_checkpoint', 'main'
]

#: The code whose key naming each source format follows.
REFERENCE_CODE = {
    'aclnet': 'firework8/ACLNet@0fab868 (GCN_Module, SimpleHead with '
    'Inter/Intra_Affinitive_Contrastive_Loss)',
    'protogcn': 'firework8/ProtoGCN@ddf7f27 (ProtoGCN, SimpleHead with '
    'Class_Specific_Contrastive_Loss)',
    'pyskl': 'kennymckormick/pyskl@3f6795f (DGSTGCN, GCNHead)',
}

_FC_KEY = (r'cls_head\.fc_cls\.(weight|bias)', r'cls_head.fc.\1')
#: Per source format: the backbone's key map and the head's key patterns.
_KEY_MAPS = {
    'aclnet': (REFERENCE_KEY_MAP, (
        _FC_KEY,
        (r'cls_head\.inter_loss\.cl_fc\.(weight|bias)',
         r'cls_head.loss_inter.proj.\1'),
        (r'cls_head\.intra_loss\.cl_fc\.(weight|bias)',
         r'cls_head.loss_intra.proj.\1'),
    )),
    'protogcn': (PROTOGCN_KEY_MAP, (
        _FC_KEY,
        (r'cls_head\.csc_loss\.cl_fc\.(weight|bias)',
         r'cls_head.loss_proto.cl_fc.\1'),
    )),
    'pyskl': (REFERENCE_KEY_MAP, (_FC_KEY, )),
}
_LOSS_PREFIXES = ('cls_head.loss_inter.', 'cls_head.loss_intra.',
                  'cls_head.loss_proto.')

#: What each format's checkpoint holds, and the head that takes its losses.
_NETWORKS = {
    'aclnet': "ACLNet's GCN_Module + SimpleHead",
    'protogcn': "ProtoGCN's ProtoGCN + SimpleHead",
    'pyskl': "PYSKL's DGSTGCN + GCNHead",
}
_LOSS_HEADS = {
    'aclnet': 'ACLNetHead with loss_inter/loss_intra',
    'protogcn': 'ProtoGCNHead',
    'pyskl': 'ACLNetHead with loss_inter/loss_intra',
}

_MAX_LISTED = 20
_SKIPPED_META = ('env_info', )  # a long environment dump


class CheckpointConversionError(ValueError):
    """A checkpoint that cannot be converted; the message says why."""


def _listing(title: str, items: Sequence[str]) -> str:
    shown = list(items)[:_MAX_LISTED]
    more = len(items) - len(shown)
    lines = [f'{title} ({len(items)}):'] + [f'  {item}' for item in shown]
    if more > 0:
        lines.append(f'  ... and {more} more')
    return '\n'.join(lines)


def load_source_checkpoint(
    filename: str,
    allow_unsafe: Optional[bool] = None
) -> Tuple[Dict[str, torch.Tensor], Dict, str]:
    """Read a PYSKL / mmcv-1.x / MMEngine checkpoint on the CPU.

    Args:
        filename (str): The checkpoint file.
        allow_unsafe (bool, optional): Read a file that only full
            unpickling can read (``--unsafe-load``); None defers to
            ``ACLNET_MM_ALLOW_UNSAFE_LOAD``. Defaults to None.

    Returns:
        tuple: ``(state_dict, meta, load_mode)``; ``meta`` is ``{}`` when
        the file has none, ``load_mode`` is ``'weights_only'`` or
        ``'full_unpickle'``.

    Raises:
        CheckpointConversionError: If the file is missing, unreadable, only
            readable by full unpickling while that is not allowed, or holds
            no state dict.
    """
    if not osp.isfile(filename):
        raise CheckpointConversionError(f'cannot read {filename}: no such '
                                        'file')
    mode = 'weights_only'
    try:
        try:
            ckpt = load_checkpoint_file(
                filename, map_location='cpu', allow_unsafe=False)
        except UnsafeCheckpointError:
            if not unsafe_load_allowed(allow_unsafe):
                raise
            mode = 'full_unpickle'
            ckpt = load_checkpoint_file(
                filename, map_location='cpu', allow_unsafe=True)
    except UnsafeCheckpointError as err:
        raise CheckpointConversionError(str(err)) from err
    except Exception as err:  # corrupt data fails in many ways
        raise CheckpointConversionError(f'cannot read {filename}: '
                                        f'{err}') from err

    if isinstance(ckpt, dict) and isinstance(ckpt.get('state_dict'), dict):
        state_dict, meta = ckpt['state_dict'], ckpt.get('meta') or {}
    elif isinstance(ckpt, dict) and ckpt and all(
            isinstance(v, torch.Tensor) for v in ckpt.values()):
        state_dict, meta = ckpt, {}
    else:
        raise CheckpointConversionError(
            f'{filename} holds no state dict (expected a dict of tensors or '
            "a checkpoint with a 'state_dict' entry)")
    state_dict = OrderedDict(
        (k, v) for k, v in state_dict.items() if isinstance(v, torch.Tensor))
    # Checkpoints saved from a (Distributed)DataParallel wrapper.
    if state_dict and all(k.startswith('module.') for k in state_dict):
        state_dict = OrderedDict((k[7:], v) for k, v in state_dict.items())
    return state_dict, meta if isinstance(meta, dict) else {}, mode


def detect_format(state_dict: Dict[str, torch.Tensor]) -> str:
    """``'aclnet'``, ``'protogcn'`` or ``'pyskl'``, from the keys.

    Raises:
        CheckpointConversionError: If the keys are of no such format.
    """
    if any(
            k.startswith(('backbone.prn.', 'cls_head.csc_loss.'))
            for k in state_dict):
        return 'protogcn'
    if any(
            k.startswith(('cls_head.inter_loss.', 'cls_head.intra_loss.'))
            for k in state_dict):
        return 'aclnet'
    if 'cls_head.fc_cls.weight' in state_dict:
        return 'pyskl'
    raise CheckpointConversionError(
        'not a PYSKL / ACLNet / ProtoGCN recognizer checkpoint: no '
        "'cls_head.fc_cls.weight' and no loss projection keys. First keys: "
        f'{list(state_dict)[:5]}')


def map_source_key(key: str, source_format: str = 'aclnet') -> str:
    """Our state-dict name of a PYSKL / ACLNet / ProtoGCN recognizer key.

    Args:
        key (str): The source key.
        source_format (str): ``'aclnet'``, ``'protogcn'`` or ``'pyskl'``.
            Defaults to ``'aclnet'``.

    Raises:
        KeyError: If the key has no counterpart in our modules.
    """
    backbone_map, head_map = _KEY_MAPS[source_format]
    if key.startswith('backbone.'):
        return 'backbone.' + map_reference_key(key[len('backbone.'):],
                                               backbone_map)
    for pattern, template in head_map:
        match = re.fullmatch(pattern, key)
        if match is not None:
            return match.expand(template)
    raise KeyError(f'unexpected key {key!r}')


def convert_state_dict(
    state_dict: Dict[str, torch.Tensor],
    source_format: Optional[str] = None
) -> Tuple['OrderedDict[str, torch.Tensor]', str]:
    """Rename a source state dict onto our modules.

    Args:
        state_dict (dict[str, Tensor]): The source state dict.
        source_format (str, optional): ``'aclnet'``, ``'protogcn'`` or
            ``'pyskl'``; detected when None.

    Returns:
        tuple: The renamed state dict and the source format.

    Raises:
        CheckpointConversionError: Listing every unmapped key, or a loss
            projection without its partner weight/bias.
    """
    if source_format is None:
        source_format = detect_format(state_dict)
    converted, unmapped = OrderedDict(), []
    for key, value in state_dict.items():
        try:
            converted[map_source_key(key, source_format)] = value
        except KeyError:
            unmapped.append(key)
    if unmapped:
        raise CheckpointConversionError(
            _listing(
                f'unmapped keys: not in {_NETWORKS[source_format]} (format '
                f"'{source_format}'; another network, e.g. STGCN++ or "
                'CTR-GCN, cannot be converted onto ACLGCN / ProtoGCN)',
                unmapped))
    return converted, source_format


def _fresh_keys(model: nn.Module, converted: Sequence[str]) -> List[str]:
    """Target keys the source cannot hold, initialised fresh.

    Args:
        model (nn.Module): The target.
        converted (Sequence[str]): The converted source's keys.
    """
    buffers = {name for name, _ in model.named_buffers()}
    fresh = []
    for key in model.state_dict():
        prefix = next((p for p in _LOSS_PREFIXES if key.startswith(p)), None)
        if prefix is None:
            continue
        # The references kept the losses' memories as plain attributes; a
        # PYSKL head has no losses at all, nor a source whose losses were
        # dropped (--drop-losses).
        if key in buffers or not any(k.startswith(prefix) for k in converted):
            fresh.append(key)
    return fresh


def check_against_model(state_dict: Dict[str, torch.Tensor], model: nn.Module,
                        source_format: str) -> Tuple[Dict, List[str]]:
    """Complete a converted state dict for ``model`` and load it strictly.

    Args:
        state_dict (dict[str, Tensor]): Converted weights (our names).
        model (nn.Module): The target recognizer; loaded in place.
        source_format (str): ``'aclnet'``, ``'protogcn'`` or ``'pyskl'``.

    Returns:
        tuple: The full state dict (``model``'s key order) and the keys
        taken fresh from ``model``.

    Raises:
        CheckpointConversionError: Listing missing keys, keys the model does
            not have, and shape mismatches.
    """
    target = model.state_dict()
    fresh = [
        k for k in _fresh_keys(model, list(state_dict)) if k not in state_dict
    ]
    missing = [k for k in target if k not in state_dict and k not in fresh]
    unexpected = [k for k in state_dict if k not in target]
    mismatched = [
        f'{k}: checkpoint {tuple(v.shape)}, model {tuple(target[k].shape)}'
        for k, v in state_dict.items()
        if k in target and v.shape != target[k].shape
    ]
    problems = []
    if missing:
        problems.append(
            _listing(
                'missing keys (the model needs them, the '
                'checkpoint lacks them)', missing))
    if unexpected:
        hint = ''
        if any(k.startswith(_LOSS_PREFIXES) for k in unexpected):
            hint = (f' [the target head has no such loss: use '
                    f'{_LOSS_HEADS[source_format]}, or pass --drop-losses]')
        problems.append(
            _listing(f'keys the model does not have{hint}', unexpected))
    if mismatched:
        problems.append(_listing('shape mismatches', mismatched))
    if problems:
        raise CheckpointConversionError('\n'.join(problems))
    full = OrderedDict(
        (k, state_dict[k] if k in state_dict else target[k].clone())
        for k in target)
    model.load_state_dict(full, strict=True)
    return full, fresh


def _sha256(filename: str) -> str:
    digest = hashlib.sha256()
    with open(filename, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _plain_meta(meta: Dict) -> Dict:
    """The source meta's scalar entries as plain Python data."""
    plain = {}
    for key, value in meta.items():
        if key in _SKIPPED_META:
            continue
        if hasattr(value, 'item') and getattr(value, 'size', 1) == 1:
            value = value.item()
        if isinstance(value, dict):
            value = _plain_meta(value)
        elif isinstance(value, (datetime.date, datetime.time)):
            value = value.isoformat()
        elif not isinstance(value, (str, int, float, bool, type(None))):
            continue
        if key == 'config' and isinstance(value, str):
            # Keep what identifies the network, not the whole text.
            value = re.findall(r"type=['\"](\w+)['\"]", value)[:4]
        plain[str(key)] = value
    return plain


def _build_model(model_cfg: Dict) -> nn.Module:
    from mmaction.registry import MODELS
    from mmengine.registry import DefaultScope

    # The scope resolves MMAction2's data preprocessor by its bare name.
    with DefaultScope.overwrite_default_scope('mmaction'), \
            torch.random.fork_rng():
        torch.manual_seed(0)  # reproducible fresh projections
        try:
            model = MODELS.build(model_cfg)
        except Exception as err:  # a config error, whatever its type
            raise CheckpointConversionError(
                f'cannot build the target model: {type(err).__name__}: '
                f'{err}') from err
    return model.eval()


def convert_checkpoint(src: str,
                       dst: Optional[str] = None,
                       config: Optional[str] = None,
                       drop_losses: bool = False,
                       allow_unsafe: Optional[bool] = None) -> Dict:
    """Convert ``src`` and (when ``dst`` is given) write it.

    Args:
        src (str): The ACLNet / ProtoGCN / PYSKL checkpoint.
        dst (str, optional): Where to write the MMEngine checkpoint.
        config (str, optional): A config whose ``model`` is the target; by
            default the target is inferred from the checkpoint
            (:func:`infer_model_cfg`).
        drop_losses (bool): Drop the loss projections (for a head without
            contrastive losses, e.g. MMAction2's ``GCNHead``; a target
            head with losses gets fresh ones). Defaults to False.
        allow_unsafe (bool, optional): Allow full unpickling of ``src``
            (prints a warning); None defers to
            ``ACLNET_MM_ALLOW_UNSAFE_LOAD``. Defaults to None.

    Returns:
        dict: ``checkpoint`` (what is written), ``model`` (the target,
        loaded), ``format``, ``load_mode``, ``fresh_keys``, ``num_mapped``.

    Raises:
        CheckpointConversionError: See :func:`load_source_checkpoint`,
            :func:`convert_state_dict` and :func:`check_against_model`.
    """
    source, source_meta, load_mode = load_source_checkpoint(src, allow_unsafe)
    converted, source_format = convert_state_dict(source)
    if drop_losses:
        converted = OrderedDict((k, v) for k, v in converted.items()
                                if not k.startswith(_LOSS_PREFIXES))
    if config is not None:
        from mmengine.config import Config
        model_cfg = Config.fromfile(config).model
        inferred = None
    else:
        try:
            model_cfg = inferred = infer_model_cfg(converted)
        except ValueError as err:
            raise CheckpointConversionError(str(err)) from err
    model = _build_model(model_cfg)
    full, fresh = check_against_model(converted, model, source_format)

    meta = dict(
        converted_from=dict(
            file=osp.abspath(src),
            sha256=_sha256(src),
            format=source_format,
            reference=REFERENCE_CODE[source_format],
            load_mode=load_mode),
        source_meta=_plain_meta(source_meta),
        converter=dict(
            tool='tools/convert_checkpoint.py',
            aclnet_mm_version=__version__,
            torch_version=str(torch.__version__),
            date=datetime.datetime.now(
                datetime.timezone.utc).isoformat(timespec='seconds')),
        target_config=(osp.abspath(config) if config is not None else None),
        inferred_model=_plain_cfg(inferred),
        fresh_keys=list(fresh))
    checkpoint = dict(meta=meta, state_dict=full)
    if dst is not None:
        dirname = osp.dirname(osp.abspath(dst))
        os.makedirs(dirname, exist_ok=True)
        torch.save(checkpoint, dst)
    return dict(
        checkpoint=checkpoint,
        model=model,
        format=source_format,
        load_mode=load_mode,
        fresh_keys=fresh,
        num_mapped=len(converted))


def _plain_cfg(cfg: Optional[Dict]) -> Optional[Dict]:
    """Tuples to lists, so the meta is plain data for the safe loader."""
    if cfg is None:
        return None
    if isinstance(cfg, dict):
        return {k: _plain_cfg(v) for k, v in cfg.items()}
    if isinstance(cfg, (tuple, list)):
        return [_plain_cfg(v) for v in cfg]
    return cfg


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the converter."""
    parser = argparse.ArgumentParser(
        description='Convert an ACLNet (firework8/ACLNet), ProtoGCN '
        '(firework8/ProtoGCN) or PYSKL DG-STGCN checkpoint into an aclnet-mm '
        '(MMEngine) checkpoint')
    parser.add_argument('src', help='source checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint (.pth)')
    parser.add_argument(
        '--config',
        help='config of the target model; the converted weights must load '
        'into it with strict=True (default: a model inferred from the '
        'checkpoint shapes)')
    parser.add_argument(
        '--drop-losses',
        action='store_true',
        help="drop the contrastive losses' projection layers (for a "
        'target head without these losses; a target head with them gets '
        'fresh ones)')
    parser.add_argument(
        '--unsafe-load',
        action='store_true',
        help='read a source that only full unpickling (weights_only=False) '
        'can read; this runs any code stored in it, so only for files you '
        'trust')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        result = convert_checkpoint(args.src, args.dst, args.config,
                                    args.drop_losses, args.unsafe_load or None)
    except CheckpointConversionError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    info = result['checkpoint']['meta']['converted_from']
    print(f'source: {info["file"]}')
    print(f'sha256: {info["sha256"]}')
    print(f'format: {info["format"]} ({info["reference"]})')
    print(f'loaded with: {info["load_mode"]}')
    print(f'mapped {result["num_mapped"]} keys; target: '
          f'{args.config or "model inferred from the checkpoint"}')
    if result['fresh_keys']:
        print('initialised fresh (the source never saved them):')
        for key in result['fresh_keys']:
            print(f'  {key}')
    print('strict load into the target model: OK')
    print(f'written: {args.dst}')
    return 0


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/convert_checkpoint.py'):
        sys.exit(main())
