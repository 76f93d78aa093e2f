# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ACLNet end to end through MMEngine's real Runner.

A tiny ``ACLGCN`` + ``ACLNetHead`` on synthetic skeletons (so every phase
boundary falls within a few epochs), trained by the runner our runtime
names (``SafeCheckpointRunner``, a subclass of MMEngine's Runner) with the
real MMAction2 pipeline, the two hooks, checkpoints and ``resume``.
"""
import copy
import json
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from tool_scripts import load_tool

from aclnet_mm.engine.runner import build_runner
from aclnet_mm.models.losses import (AffinityContrastiveLoss,
                                     MarginContrastiveLoss)

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset

NUM_CLASSES = 4
CLIP_LEN = 16


class PhaseRecorder(Hook):
    """Records, per training iteration, the phase flags the head saw."""

    def __init__(self):
        self.rows = []

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        model = runner.model
        inter = model.cls_head.loss_inter
        self.rows.append(
            dict(
                epoch=runner.epoch + 1,
                stats=bool(inter.stats_active),
                active=bool(inter.loss_active),
                confusion=float(inter.confusion.sum()),
                loss_inter=float(outputs['loss_inter'].detach())))


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('data') / 'synthetic_3d.pkl'
    return dump_synthetic_skeleton_dataset(
        str(path),
        num_classes=NUM_CLASSES,
        samples_per_class=6,
        num_frames=CLIP_LEN,
        num_persons=1,
        seed=3)


def _config(build, ann_file, work_dir, max_epochs, with_val=True):
    """The tiny run of ``tests/integration/conftest.py`` in ``work_dir``,
    with or without validation."""
    cfg = build(ann_file, max_epochs)
    cfg.work_dir = str(work_dir)
    if not with_val:
        cfg.val_dataloader = None
        cfg.val_cfg = None
        cfg.val_evaluator = None
    return cfg


def _train(cfg, resume=False, recorder=None):
    cfg = copy.deepcopy(cfg)
    cfg.resume = resume
    runner = build_runner(cfg)
    if recorder is not None:
        runner.register_hook(recorder)
    runner.train()
    return runner


@pytest.mark.parametrize('with_val', [True, False])
def test_phases_follow_the_epochs(ann_file, tiny_aclnet_config, tmp_path,
                                  with_val):
    recorder = PhaseRecorder()
    runner = _train(
        _config(
            tiny_aclnet_config,
            ann_file,
            tmp_path,
            max_epochs=4,
            with_val=with_val),
        recorder=recorder)
    by_epoch = {}
    for row in recorder.rows:
        by_epoch.setdefault(row['epoch'], []).append(row)
    assert sorted(by_epoch) == [1, 2, 3, 4]
    # Epoch 1: nothing; epoch 2 (start_epoch): statistics only; from 3 on:
    # the inter loss too. Validation (or its absence) changes nothing.
    assert not any(r['stats'] or r['active'] for r in by_epoch[1])
    assert all(r['confusion'] == 0 for r in by_epoch[1])
    assert all(r['stats'] and not r['active'] for r in by_epoch[2])
    assert all(r['loss_inter'] == 0 for r in by_epoch[1] + by_epoch[2])
    for epoch in (3, 4):
        assert all(r['stats'] and r['active'] for r in by_epoch[epoch])
        assert any(r['loss_inter'] > 0 for r in by_epoch[epoch])
    # Superclasses were rebuilt and written at the start of epochs 3 and 4.
    for epoch in (3, 4):
        with open(osp.join(tmp_path, f'superclasses_epoch_{epoch}.json')) \
                as file:
            content = json.load(file)
        assert content['epoch'] == epoch
        classes = content['modules']['cls_head.loss_inter']['classes']
        assert len(classes) == NUM_CLASSES
        assert all(entry['size'] >= 2 for entry in classes)
    assert not osp.exists(osp.join(tmp_path, 'superclasses_epoch_2.json'))
    inter = runner.model.cls_head.loss_inter
    assert bool(inter.superclass_mask.any())


def test_resume_gives_the_buffers_of_an_uninterrupted_run(
        ann_file, tiny_aclnet_config, tmp_path):
    straight = _train(
        _config(tiny_aclnet_config, ann_file, tmp_path / 'straight', 4))
    # Stop after epoch 3 (inside the active phase), then resume to 4.
    _train(_config(tiny_aclnet_config, ann_file, tmp_path / 'split', 3))
    recorder = PhaseRecorder()
    resumed = _train(
        _config(tiny_aclnet_config, ann_file, tmp_path / 'split', 4),
        resume=True,
        recorder=recorder)
    assert {row['epoch'] for row in recorder.rows} == {4}
    assert all(row['active'] for row in recorder.rows)

    expected = straight.model.state_dict()
    got = resumed.model.state_dict()
    assert expected.keys() == got.keys()
    for key in expected:
        torch.testing.assert_close(
            got[key], expected[key], rtol=0, atol=0, msg=key)
    # The contrastive state is all there and not trivial.
    head = resumed.model.cls_head
    assert isinstance(head.loss_inter, AffinityContrastiveLoss)
    assert isinstance(head.loss_intra, MarginContrastiveLoss)
    assert float(head.loss_inter.confusion.sum()) > 0
    assert int(head.loss_intra.queue_count) == 8


def test_inter_loss_gradient_moves_the_topology_parameters(
        ann_file, tiny_aclnet_config):
    """alpha and beta of ACLGCN start at 0; the inter loss alone moves
    them (through the topology feature) and trains its projection."""
    from mmaction.datasets import PoseDataset
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules

    register_all_modules()
    cfg = _config(tiny_aclnet_config, ann_file, '/tmp/unused', 1)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    gcn = model.backbone.gcn[-1].gcn
    assert float(gcn.alpha.detach().abs().sum()) == 0
    assert float(gcn.beta.detach().abs().sum()) == 0

    dataset = PoseDataset(
        ann_file=ann_file,
        pipeline=cfg.train_dataloader.dataset.pipeline,
        split='train')
    batch = [dataset[i] for i in range(len(dataset))]
    inputs = torch.stack([item['inputs'] for item in batch]).float()
    samples = [item['data_samples'] for item in batch]

    inter = model.cls_head.loss_inter
    inter.set_phase(stats_active=True, loss_active=True)
    # Every class confused with every other once: full superclasses.
    inter.confusion.fill_(1)
    inter.confusion.fill_diagonal_(0)
    inter.refresh_superclasses()
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

    losses = model.loss(inputs, samples)
    losses['loss_inter'].backward()
    assert float(losses['loss_inter'].detach()) > 0
    # The topology feature is exactly 0 at init: only the projection's bias
    # sees a gradient there, and alpha / beta of the last block, through
    # d(feature) / d(alpha) = tanh(...) and d / d(beta) = softmax(...).
    assert float(inter.proj.weight.grad.abs().sum()) == 0
    assert float(inter.proj.bias.grad.abs().sum()) > 0
    assert float(gcn.alpha.grad[0].abs()) > 0
    assert float(gcn.beta.grad[0].abs()) > 0
    optimizer.step()
    optimizer.zero_grad()
    assert float(gcn.alpha[0].detach().abs()) > 0 and float(
        gcn.beta[0].detach().abs()) > 0

    # Once they moved, the feature is non-zero and the weight trains too.
    losses = model.loss(inputs, samples)
    losses['loss_inter'].backward()
    assert float(inter.proj.weight.grad.abs().sum()) > 0
