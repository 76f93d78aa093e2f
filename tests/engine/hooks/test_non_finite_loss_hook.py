# Copyright (c) aclnet-mm contributors. All rights reserved.
"""NonFiniteLossHook and FiniteLossOptimWrapper with MMEngine's Runner on
a tiny regression model where chosen samples make the loss NaN."""
import copy
import logging
import uuid

import pytest
import torch
import torch.nn as nn
from mmaction.registry import HOOKS, OPTIM_WRAPPERS
from mmaction.structures import ActionDataSample
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import aclnet_mm  # noqa: F401
from aclnet_mm.engine.hooks import NonFiniteLossHook
from aclnet_mm.engine.optim_wrappers import FiniteLossOptimWrapper
from aclnet_mm.models.losses import (AffinityContrastiveLoss,
                                     MarginContrastiveLoss)


class ClipDataset(Dataset):
    """12 samples named ``clip_000``...; ``bad`` samples carry a NaN."""

    def __init__(self, indices=range(12), bad=(), value=float('nan')):
        gen = torch.Generator().manual_seed(0)
        self.feats = torch.randn(12, 3, generator=gen)
        self.targets = torch.randn(12, generator=gen)
        self.feats[list(bad), 0] = value
        self.indices = list(indices)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        index = self.indices[i]
        sample = ActionDataSample(metainfo=dict(frame_dir=f'clip_{index:03d}'))
        sample.target = self.targets[index]
        sample.cls = torch.tensor(index % 4)
        return dict(inputs=self.feats[index], data_samples=sample)


class Regressor(BaseModel):

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.fc = nn.Linear(3, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        pred = self.fc(torch.stack(inputs)).squeeze(1)
        if mode != 'loss':
            return pred
        target = torch.stack([s.target for s in data_samples])
        return dict(
            loss_mse=((pred - target)**2).mean(),
            loss_aux=0.01 * self.fc.weight.abs().sum())


class ContrastiveNet(BaseModel):
    """BatchNorm + ACLNet's two contrastive losses: every kind of buffer
    the forward pass updates (BN statistics, prototypes, confusion bank,
    queue) and a key-encoder update counted by ``momentum_update``."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.embed = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8))
        self.fc = nn.Linear(8, 4)
        self.inter = AffinityContrastiveLoss(
            num_classes=4, in_channels=8, proj_channels=4, num_neighbors=2)
        self.inter.set_phase(stats_active=True, loss_active=True)
        self.intra = MarginContrastiveLoss(
            in_channels=8, proj_channels=4, queue_size=6)
        self.num_momentum_updates = 0

    def momentum_update(self):
        self.num_momentum_updates += 1

    def forward(self, inputs, data_samples=None, mode='tensor'):
        feats = self.embed(torch.stack(inputs))
        logits = self.fc(feats)
        if mode != 'loss':
            return logits
        labels = torch.stack([s.cls for s in data_samples])
        return dict(
            loss_cls=nn.functional.cross_entropy(logits, labels),
            loss_inter=self.inter(feats, labels, logits),
            loss_intra=self.intra(feats, labels))


def _runner(tmp_path,
            dataset,
            hook=None,
            wrapper='OptimWrapper',
            epochs=1,
            model=Regressor,
            hooks=()):
    return Runner(
        model=model(),
        work_dir=str(tmp_path / uuid.uuid4().hex),
        experiment_name=uuid.uuid4().hex,
        train_dataloader=dict(
            dataset=dataset,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=4,
            num_workers=0),
        optim_wrapper=dict(
            type=wrapper, optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        train_cfg=dict(by_epoch=True, max_epochs=epochs),
        custom_hooks=list(hooks) + ([] if hook is None else [hook]),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1), checkpoint=None),
        log_level='WARNING',
        default_scope='mmaction')


def test_registered_and_arguments():
    assert HOOKS.get('NonFiniteLossHook') is NonFiniteLossHook
    assert OPTIM_WRAPPERS.get('FiniteLossOptimWrapper') is (
        FiniteLossOptimWrapper)
    with pytest.raises(ValueError, match='mode'):
        NonFiniteLossHook(mode='ignore')
    with pytest.raises(ValueError, match='max_skips'):
        NonFiniteLossHook(max_skips=-1)


def test_finite_run_untouched(tmp_path):
    plain = _runner(tmp_path, ClipDataset())
    plain.train()
    guarded = _runner(
        tmp_path,
        ClipDataset(),
        dict(type='NonFiniteLossHook', mode='skip'),
        wrapper='FiniteLossOptimWrapper')
    guarded.train()
    assert guarded.optim_wrapper.num_skipped == 0
    torch.testing.assert_close(guarded.model.fc.weight, plain.model.fc.weight)


@pytest.mark.parametrize('value', [float('nan'), float('inf')])
def test_raise_names_iteration_terms_and_samples(tmp_path, value):
    runner = _runner(tmp_path, ClipDataset(bad=(5, ), value=value),
                     dict(type='NonFiniteLossHook'))
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    message = str(info.value)
    assert 'iteration 2 (epoch 1, batch 1)' in message
    assert f'loss_mse={float(value)}' in message
    assert f'loss={float(value)}' in message  # the total
    assert 'loss_aux' not in message  # finite terms are not named
    assert "['clip_004', 'clip_005', 'clip_006', 'clip_007']" in message


def test_raise_with_wrapper_keeps_last_finite_parameters(tmp_path):
    runner = _runner(
        tmp_path,
        ClipDataset(bad=(5, )),
        dict(type='NonFiniteLossHook'),
        wrapper='FiniteLossOptimWrapper')
    with pytest.raises(FloatingPointError):
        runner.train()
    # One finite step happened; the NaN step did not reach the weights.
    reference = _runner(tmp_path, ClipDataset(indices=range(4)))
    reference.train()
    torch.testing.assert_close(runner.model.fc.weight,
                               reference.model.fc.weight)
    assert runner.optim_wrapper.num_skipped == 1


def test_skip_equals_training_without_the_batch(tmp_path, caplog):
    runner = _runner(
        tmp_path,
        ClipDataset(bad=(6, )),
        dict(type='NonFiniteLossHook', mode='skip'),
        wrapper='FiniteLossOptimWrapper',
        epochs=2)
    with caplog.at_level(logging.WARNING):
        runner.train()
    # Batch 1 (samples 4-7) skipped in both epochs: the weights and the
    # SGD momentum are those of a run that never saw it.
    reference = _runner(
        tmp_path, ClipDataset(indices=(0, 1, 2, 3, 8, 9, 10, 11)), epochs=2)
    reference.train()
    torch.testing.assert_close(runner.model.fc.weight,
                               reference.model.fc.weight)
    torch.testing.assert_close(runner.model.fc.bias, reference.model.fc.bias)
    assert torch.isfinite(runner.model.fc.weight).all()
    assert runner.optim_wrapper.num_skipped == 2
    hook = next(h for h in runner.hooks if isinstance(h, NonFiniteLossHook))
    assert hook.num_skipped == 2
    skipped = runner.message_hub.get_scalar('train/num_skipped_steps')
    assert skipped.current() == 2
    assert runner.iter == 6  # 3 batches x 2 epochs, skipped ones counted


@pytest.mark.parametrize('restore', [True, False])
def test_skip_rolls_buffers_back(tmp_path, restore):
    """A NaN input reaches BN statistics, prototypes, confusion bank and
    queue in the forward; skip mode puts all of them back."""
    # Without the roll-back the poisoned BN statistics would stop the run
    # (test_skip_without_rollback_stops_on_poisoned_norm_stats); here the
    # check is off to show what the roll-back prevents.
    runner = _runner(
        tmp_path,
        ClipDataset(bad=(6, )),
        dict(
            type='NonFiniteLossHook',
            mode='skip',
            restore_buffers=restore,
            check_norm_stats=restore),
        wrapper='FiniteLossOptimWrapper',
        epochs=2,
        model=ContrastiveNet,
        hooks=[dict(type='MomentumEncoderHook')])
    runner.train()
    reference = _runner(
        tmp_path,
        ClipDataset(indices=(0, 1, 2, 3, 8, 9, 10, 11)),
        epochs=2,
        model=ContrastiveNet,
        hooks=[dict(type='MomentumEncoderHook')])
    reference.train()
    assert reference.model.num_momentum_updates == 4
    got, expected = runner.model.state_dict(), reference.model.state_dict()
    buffers = [
        'embed.1.running_mean', 'embed.1.running_var',
        'embed.1.num_batches_tracked', 'inter.prototypes', 'inter.confusion',
        'intra.queue_feats', 'intra.queue_labels', 'intra.queue_ptr',
        'intra.queue_count'
    ]
    assert set(buffers) <= set(got)
    # The reference run really moved them (4 steps of 4 samples).
    assert expected['intra.queue_count'] == 6
    assert expected['embed.1.num_batches_tracked'] == 4
    assert expected['inter.confusion'].sum() > 0
    if restore:
        assert runner.optim_wrapper.num_skipped == 2
        # The key-encoder update follows optimiser steps: 6 - 2 skipped.
        assert runner.model.num_momentum_updates == 4
        assert got.keys() == expected.keys()
        for key in got:  # weights and buffers alike
            torch.testing.assert_close(got[key], expected[key], msg=key)
    else:  # without the roll-back the NaN batch poisons the buffers,
        # and through them every later step.
        assert runner.optim_wrapper.num_skipped == 5
        assert runner.model.num_momentum_updates == 1
        assert not torch.isfinite(got['embed.1.running_mean']).all()
        assert not torch.isfinite(got['inter.prototypes']).all()
        assert got['embed.1.num_batches_tracked'] == 6


def test_skip_without_rollback_stops_on_poisoned_norm_stats(tmp_path):
    runner = _runner(
        tmp_path,
        ClipDataset(bad=(6, )),
        dict(type='NonFiniteLossHook', mode='skip', restore_buffers=False),
        wrapper='FiniteLossOptimWrapper',
        model=ContrastiveNet)
    with pytest.raises(
            FloatingPointError,
            match=r'iteration 2 \(epoch 1, '
            r'batch 1\): embed\.1\.running_mean \(8 of 8'):
        runner.train()


def test_rollback_refreshes_host_flags(tmp_path):
    loss = AffinityContrastiveLoss(
        num_classes=4, in_channels=8, proj_channels=4, num_neighbors=2)
    loss.set_phase(stats_active=True, loss_active=False)
    loss.request_refresh()  # faithful: deferred to the next forward
    pending = loss.refresh_pending.clone()
    loss(torch.randn(4, 8), torch.arange(4), torch.randn(4, 4))
    assert loss._flags() == (True, False, False)  # refreshed in forward
    loss.refresh_pending.copy_(pending)  # what the roll-back does
    loss.on_buffers_restored()
    assert loss._flags() == (True, False, True)  # pending again


def test_skip_beyond_max_skips_raises(tmp_path):
    runner = _runner(
        tmp_path,
        ClipDataset(bad=(1, 9)),
        dict(type='NonFiniteLossHook', mode='skip', max_skips=1),
        wrapper='FiniteLossOptimWrapper')
    with pytest.raises(FloatingPointError, match='more than max_skips=1'):
        runner.train()
    assert runner.iter == 2  # raised in the third iteration (index 2)


def test_skip_needs_the_wrapper(tmp_path):
    runner = _runner(tmp_path, ClipDataset(),
                     dict(type='NonFiniteLossHook', mode='skip'))
    with pytest.raises(ValueError, match='FiniteLossOptimWrapper'):
        runner.train()


def test_sample_ids_fallback():
    hook = NonFiniteLossHook()
    samples = [
        ActionDataSample(metainfo=dict(sample_idx=7)),
        ActionDataSample()
    ]
    ids = hook._sample_ids(dict(inputs=None, data_samples=samples))
    assert ids == [7, 'batch position 1']
    assert hook._sample_ids(None) == []


def _wrapper(accumulative_counts):
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    return model, FiniteLossOptimWrapper(
        optimizer, accumulative_counts=accumulative_counts)


def test_wrapper_accumulation_window():
    x = torch.tensor([[1.0, 2.0]])
    model, wrapper = _wrapper(accumulative_counts=2)
    start = copy.deepcopy(model)
    # Window 1: a NaN micro-batch, then a finite one: the step uses the
    # finite one's gradient, scaled by 1 / 2 as accumulation does.
    wrapper.update_params(model(x).sum() * float('nan'))
    assert wrapper.last_step_skipped and model.weight.grad is None
    wrapper.update_params(model(x).sum())
    assert not wrapper.last_step_skipped
    torch.testing.assert_close(model.weight, start.weight - 0.5 * 0.5 * x)
    # Window 2: both skipped: no step, no momentum change.
    momentum = wrapper.optimizer.state[model.weight]['momentum_buffer']
    momentum = momentum.clone()
    weight = model.weight.detach().clone()
    wrapper.update_params(model(x).sum() * float('inf'))
    wrapper.update_params(model(x).sum() * float('nan'))
    assert wrapper.num_skipped == 3
    assert torch.equal(model.weight, weight)
    assert torch.equal(
        wrapper.optimizer.state[model.weight]['momentum_buffer'], momentum)


class SkeletonClips(Dataset):
    """8 skeleton clips (1 person, 8 frames, COCO's 17 joints, x y z);
    ``bad`` clips hold coordinates of ``value``."""

    def __init__(self, bad=(), value=1e30):
        gen = torch.Generator().manual_seed(0)
        self.clips = torch.randn(8, 1, 1, 8, 17, 3, generator=gen)
        for index in bad:
            self.clips[index] = value

    def __len__(self):
        return len(self.clips)

    def __getitem__(self, index):
        sample = ActionDataSample(
            metainfo=dict(frame_dir=f'clip_{index:03d}')).set_gt_label(index %
                                                                       2)
        return dict(inputs=self.clips[index], data_samples=sample)


def _gcn_runner(tmp_path, dataset, hook):
    """MMAction2's RecognizerGCN + STGCN (with its ``data_bn``), tiny."""
    return Runner(
        model=dict(
            type='RecognizerGCN',
            data_preprocessor=dict(type='ActionDataPreprocessor'),
            backbone=dict(
                type='STGCN',
                graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
                base_channels=4,
                num_stages=1,
                inflate_stages=[],
                down_stages=[]),
            cls_head=dict(type='GCNHead', num_classes=2, in_channels=4)),
        work_dir=str(tmp_path / uuid.uuid4().hex),
        experiment_name=uuid.uuid4().hex,
        train_dataloader=dict(
            dataset=dataset,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=4,
            num_workers=0),
        optim_wrapper=dict(
            type='FiniteLossOptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        custom_hooks=[hook],
        default_hooks=dict(checkpoint=None),
        log_level='WARNING',
        default_scope='mmaction')


def test_unchecked_norm_stats_train_to_the_end_poisoned(tmp_path):
    """What the check is for: the loss stays finite (the batch normalises
    by its own statistics) while data_bn's running variance is infinite."""
    runner = _gcn_runner(
        tmp_path, SkeletonClips(bad=(5, )),
        dict(type='NonFiniteLossHook', check_norm_stats=False))
    runner.train()
    assert runner.iter == 2
    assert torch.isinf(runner.model.backbone.data_bn.running_var).all()
    assert runner.message_hub.get_scalar('train/loss').current() < 1e3


@pytest.mark.parametrize('mode', ['raise', 'skip'])
def test_non_finite_norm_stats_stop_naming_the_sample(tmp_path, mode):
    runner = _gcn_runner(tmp_path, SkeletonClips(bad=(5, )),
                         dict(type='NonFiniteLossHook', mode=mode))
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    message = str(info.value)
    assert message.startswith('non-finite normalisation statistics after '
                              'iteration 2 (epoch 1, batch 1): '
                              'backbone.data_bn.running_var (51 of 51')
    assert "['clip_004', 'clip_005', 'clip_006', 'clip_007']" in message
    assert 'largest |input|: clip_005 (1e+30)' in message
    assert 'running_mean' not in message  # the mean stayed finite


def test_finite_norm_stats_train_on(tmp_path):
    runner = _gcn_runner(tmp_path, SkeletonClips(),
                         dict(type='NonFiniteLossHook'))
    runner.train()
    assert runner.iter == 2
    assert torch.isfinite(runner.model.backbone.data_bn.running_var).all()


def test_skipped_first_step_of_a_refresh_epoch_keeps_the_refresh(tmp_path):
    """The roll-back's notification, driven through the hook.

    With ``SuperclassRefreshHook(start_epoch=1)`` epoch 2 is the first
    refresh epoch; in faithful mode the rebuild runs inside its first
    forward. That step is non-finite and skipped: the roll-back puts
    ``refresh_pending`` (and the old superclasses) back, and only the
    loss's ``on_buffers_restored`` makes it re-read the flag, so the
    rebuild runs in the next step. The result equals a run that never had
    that batch; a missed notification leaves the superclasses unrebuilt.
    """
    hooks = [
        dict(type='SuperclassRefreshHook', start_epoch=1, out_file=None),
        dict(type='MomentumEncoderHook')
    ]
    runner = _runner(
        tmp_path,
        ClipDataset(bad=(1, )),  # batch 0 of every epoch
        dict(type='NonFiniteLossHook', mode='skip'),
        wrapper='FiniteLossOptimWrapper',
        epochs=2,
        model=ContrastiveNet,
        hooks=hooks)
    assert runner.model.inter.faithful
    initial_mask = runner.model.inter.superclass_mask.clone()
    runner.train()
    reference = _runner(
        tmp_path,
        ClipDataset(indices=range(4, 12)),
        epochs=2,
        model=ContrastiveNet,
        hooks=hooks)
    reference.train()
    assert runner.optim_wrapper.num_skipped == 2
    expected = reference.model.state_dict()
    # The reference rebuilt the superclasses in epoch 2: they changed.
    assert not torch.equal(expected['inter.superclass_mask'], initial_mask)
    assert not expected['inter.refresh_pending']
    got = runner.model.state_dict()
    for key in ('inter.superclass_mask', 'inter.class_tau',
                'inter.refresh_pending', 'inter.confusion'):
        torch.testing.assert_close(got[key], expected[key], msg=key)
    for key in got:  # weights and every buffer
        torch.testing.assert_close(got[key], expected[key], msg=key)
