# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A recognizer config read off its weights: ``ACLGCN`` + ``ACLNetHead``,
or ``ProtoGCN`` + ``ProtoGCNHead`` when the weights hold the prototype
reconstruction.

Used by ``tools/convert_checkpoint.py`` to check converted reference
weights against a model of the right shapes when no config is given.
"""
import re
from typing import Any, Dict, Tuple

import torch

from aclnet_mm.structures import list_layouts

__all__ = ['infer_model_cfg']

# Memory size of the reference's intra loss per (V * V, classes), i.e. per
# ``data_cfg``: ntu60, ntu120, pku_mmd, k400, finegym.
_REFERENCE_QUEUE = {
    (625, 60): 512,
    (625, 120): 1024,
    (625, 51): 512,
    (400, 400): 2048,
    (400, 99): 1024
}
# Preferred layout name per number of joints (the reference's layouts).
_LAYOUT_BY_JOINTS = {
    25: 'nturgb+d',
    20: 'coco_new',
    17: 'coco',
    18: 'openpose'
}
_REFERENCE_MS_CFG = ((3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1')


def _branch_cfg(keys: set, prefix: str, state: Dict) -> Any:
    if prefix + 'weight' in keys:
        return '1x1'
    conv = prefix + '3.conv.weight'
    if conv in keys:
        # The dilation leaves no trace in the shapes; 1 is a placeholder.
        return (int(state[conv].shape[2]), 1)
    return ('max', 3)


def infer_model_cfg(state_dict: Dict[str, torch.Tensor]) -> Dict:
    """A ``RecognizerGCN`` config with the shapes of a converted checkpoint.

    The trunk's widths, number of subsets, ``gcn_ratio``, input norm and
    TCN branches, and the head's classes and projections, are read from
    the weights. Temporal strides and dilations leave no trace in shapes:
    ``down_stages`` lists the blocks with a residual convolution (right for
    ACLNet's, ProtoGCN's and DG-STGCN's settings, where widening and
    striding coincide) and the TCN branches are ACLNet's whenever their
    shapes agree; otherwise the dilations are placeholders. The config
    serves to check keys and shapes; run the network with its matching
    config.

    Weights with ``backbone.prn.query_matrix.weight`` give ``ProtoGCN``
    (``num_prototype`` from that matrix) and ``ProtoGCNHead`` (the joints
    of the graph as ``num_nodes``, the projection size of
    ``cls_head.loss_proto.cl_fc``; its loss weight, which leaves no trace,
    is the class default), others ``ACLGCN`` and ``ACLNetHead``.

    Args:
        state_dict (dict[str, Tensor]): A state dict with our names.

    Returns:
        dict: The model config.

    Raises:
        ValueError: If the keys that fix the structure are missing.
    """
    keys = set(state_dict)
    needed = [
        'backbone.gcn.0.gcn.A', 'backbone.gcn.0.gcn.pre.0.weight',
        'backbone.gcn.0.gcn.post.weight', 'cls_head.fc.weight'
    ]
    absent = [k for k in needed if k not in keys]
    if absent:
        raise ValueError('missing keys that fix the network structure: '
                         f'{absent}')
    backbone, head_in = _trunk_cfg(state_dict)
    num_joints = int(state_dict['backbone.gcn.0.gcn.A'].shape[1])
    # The classifier reads the last block's output: its width is head_in,
    # so that a classifier of another width is a mismatch.
    num_classes = int(state_dict['cls_head.fc.weight'].shape[0])
    query = state_dict.get('backbone.prn.query_matrix.weight')
    if query is not None:
        backbone.update(type='ProtoGCN', num_prototype=int(query.shape[0]))
        head = _protogcn_head(state_dict, num_classes, head_in, num_joints)
    else:
        backbone['with_topology'] = True
        head = _aclnet_head(state_dict, num_classes, head_in, num_joints)
    return dict(type='RecognizerGCN', backbone=backbone, cls_head=head)


def _trunk_cfg(state_dict: Dict[str, torch.Tensor]) -> Tuple[Dict, int]:
    """The ``ACLGCN`` arguments of the trunk's weights, and its width."""
    keys = set(state_dict)
    num_subsets, num_joints = state_dict['backbone.gcn.0.gcn.A'].shape[:2]
    blocks = sorted({
        int(m.group(1))
        for m in (re.match(r'backbone\.gcn\.(\d+)\.', k) for k in keys) if m
    })
    widths = []
    for b in range(blocks[-1] + 1):
        pre = state_dict.get(f'backbone.gcn.{b}.gcn.pre.0.weight')
        post = state_dict.get(f'backbone.gcn.{b}.gcn.post.weight')
        if pre is None or post is None:
            widths.append(None)
        else:
            widths.append((int(pre.shape[1]), int(post.shape[0])))
    in_channels, base_channels = widths[0]
    first_block = in_channels != base_channels
    offset = 1 if first_block else 2  # stage number of block 0
    inflate, down = [], []
    for b, width in enumerate(widths):
        stage = b + offset
        if width is None or stage == 1:
            continue
        if width[0] != width[1]:
            inflate.append(stage)
        if f'backbone.gcn.{b}.residual.conv.weight' in keys:
            down.append(stage)
    ch_ratio = 2
    if inflate:
        b = inflate[0] - offset
        ch_ratio = widths[b][1] / widths[b][0]
    mid = state_dict['backbone.gcn.0.gcn.pre.0.weight'].shape[0] // num_subsets
    ms_cfg = []
    j = 0
    while any(k.startswith(f'backbone.gcn.0.tcn.branches.{j}.') for k in keys):
        ms_cfg.append(
            _branch_cfg(keys, f'backbone.gcn.0.tcn.branches.{j}.', state_dict))
        j += 1
    if ms_cfg == [(3, 1)] * 4 + [('max', 3), '1x1']:
        ms_cfg = list(_REFERENCE_MS_CFG)  # what ACLNet and ProtoGCN use
    data_bn = state_dict.get('backbone.data_bn.weight')
    data_bn_type = None
    if data_bn is not None:
        data_bn_type = ('VC' if data_bn.numel() == in_channels *
                        num_joints else 'MVC')
    layout = _LAYOUT_BY_JOINTS.get(int(num_joints))
    if layout is None or layout not in list_layouts():
        layout = dict(num_node=int(num_joints), inward=(), center=0)
    backbone = dict(
        type='ACLGCN',
        graph_cfg=dict(layout=layout),
        in_channels=in_channels,
        base_channels=base_channels,
        ch_ratio=ch_ratio,
        num_stages=len(widths) + (0 if first_block else 1),
        inflate_stages=tuple(inflate),
        down_stages=tuple(down),
        data_bn_type=data_bn_type,
        num_subsets=int(num_subsets),
        gcn_ratio=mid / base_channels,
        ms_cfg=tuple(ms_cfg))
    head_in = next(w[1] for w in reversed(widths) if w is not None)
    return backbone, head_in


def _aclnet_head(state_dict: Dict[str, torch.Tensor], num_classes: int,
                 head_in: int, num_joints: int) -> Dict:
    """``ACLNetHead`` with the losses whose projections the weights hold."""
    head = dict(
        type='ACLNetHead',
        num_classes=num_classes,
        in_channels=head_in,
        num_nodes=num_joints,
        loss_inter=None,
        loss_intra=None)
    inter = state_dict.get('cls_head.loss_inter.proj.weight')
    intra = state_dict.get('cls_head.loss_intra.proj.weight')
    proj = inter if inter is not None else intra
    if proj is not None:
        head['feature_source'] = ('embedding' if proj.shape[1] == head_in
                                  and head_in != num_joints**2 else 'topology')
    if inter is not None:
        # Hyper-parameters leave no trace in the weights; only the
        # neighbourhood has to fit in the number of classes.
        head['loss_inter'] = dict(
            type='AffinityContrastiveLoss',
            proj_channels=int(inter.shape[0]),
            num_neighbors=min(10, num_classes - 1))
    if intra is not None:
        queue = _REFERENCE_QUEUE.get((int(intra.shape[1]), num_classes), 512)
        head['loss_intra'] = dict(
            type='MarginContrastiveLoss',
            proj_channels=int(intra.shape[0]),
            queue_size=queue)
    return head


def _protogcn_head(state_dict: Dict[str, torch.Tensor], num_classes: int,
                   head_in: int, num_joints: int) -> Dict:
    """``ProtoGCNHead``; its loss takes ``V * V`` values per sample, V the
    graph's joints, so a projection of another input size is a mismatch."""
    loss = dict(type='ClassPrototypeContrastiveLoss')
    proj = state_dict.get('cls_head.loss_proto.cl_fc.weight')
    if proj is not None:
        loss['proj_channels'] = int(proj.shape[0])
    return dict(
        type='ProtoGCNHead',
        num_classes=num_classes,
        in_channels=head_in,
        num_nodes=num_joints,
        loss_proto=loss)
