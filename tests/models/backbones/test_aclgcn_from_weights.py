# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
import torch

from aclnet_mm.models.backbones import ACLGCN, ProtoGCN
from aclnet_mm.models.backbones.aclgcn_from_weights import infer_model_cfg


def test_infer_reference_default_network():
    """The full-size reference layout is recovered from shapes alone."""
    backbone = ACLGCN(dict(layout='nturgb+d'))
    sd = {'backbone.' + k: v for k, v in backbone.state_dict().items()}
    sd['cls_head.fc.weight'] = torch.zeros(60, 384)
    sd['cls_head.loss_intra.proj.weight'] = torch.zeros(256, 625)
    cfg = infer_model_cfg(sd)
    bb = cfg['backbone']
    assert (bb['base_channels'], bb['num_stages'],
            bb['num_subsets']) == (96, 10, 8)
    assert bb['inflate_stages'] == bb['down_stages'] == (5, 8)
    assert bb['gcn_ratio'] == 0.125 and bb['ch_ratio'] == 2
    assert bb['ms_cfg'] == ((3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1')
    assert cfg['cls_head']['loss_intra']['queue_size'] == 512  # ntu60
    assert cfg['cls_head']['loss_inter'] is None


def test_missing_structural_keys_are_named():
    with pytest.raises(ValueError, match='backbone.gcn.0.gcn.A'):
        infer_model_cfg({'cls_head.fc.weight': torch.zeros(2, 4)})


def test_infer_reference_protogcn_network():
    """The authors' ProtoGCN at its configs' settings (nturgb+d, 400
    prototypes, 60 classes, projection 256), from shapes alone."""
    backbone = ProtoGCN(dict(layout='nturgb+d'), num_prototype=400)
    sd = {'backbone.' + k: v for k, v in backbone.state_dict().items()}
    sd['cls_head.fc.weight'] = torch.zeros(60, 384)
    sd['cls_head.loss_proto.cl_fc.weight'] = torch.zeros(256, 625)
    cfg = infer_model_cfg(sd)
    bb, head = cfg['backbone'], cfg['cls_head']
    assert bb['type'] == 'ProtoGCN' and bb['num_prototype'] == 400
    assert (bb['base_channels'], bb['num_stages'],
            bb['num_subsets']) == (96, 10, 8)
    assert bb['inflate_stages'] == bb['down_stages'] == (5, 8)
    assert bb['gcn_ratio'] == 0.125 and 'with_topology' not in bb
    assert head == dict(
        type='ProtoGCNHead',
        num_classes=60,
        in_channels=384,
        num_nodes=25,
        loss_proto=dict(
            type='ClassPrototypeContrastiveLoss', proj_channels=256))
