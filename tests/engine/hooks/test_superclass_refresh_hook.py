# Copyright (c) aclnet-mm contributors. All rights reserved.
import json

import pytest
import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from aclnet_mm.engine.hooks import SuperclassRefreshHook
from aclnet_mm.models.utils import build_superclasses

CLASS_NAMES = ('clap', 'wave', 'sit', 'stand', 'jump')


class StateRecorder(Hook):
    """Record the loss state around every training iteration."""

    priority = 'LOWEST'

    def __init__(self):
        self.records = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        loss = runner.model.loss_inter
        self._before = loss.confusion.clone()

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        loss = runner.model.loss_inter
        self.records.append(
            dict(
                epoch=runner.epoch + 1,
                batch=batch_idx,
                stats=bool(loss.stats_active),
                active=bool(loss.loss_active),
                loss_inter=outputs['loss_inter'].item(),
                confusion_before=self._before,
                confusion=loss.confusion.clone(),
                mask=loss.superclass_mask.clone(),
                tau=loss.class_tau.clone()))


def test_phase_schedule():
    hook = HOOKS.build(
        dict(type='SuperclassRefreshHook', start_epoch=3, interval=2))
    phases = [hook.phase(epoch) for epoch in range(1, 9)]
    assert phases == [(False, False, False), (False, False, False),
                      (True, False, False), (True, True, True),
                      (True, True, False), (True, True, True),
                      (True, True, False), (True, True, True)]
    with pytest.raises(ValueError):
        SuperclassRefreshHook(start_epoch=0)


@pytest.mark.parametrize('faithful, with_val', [(True, True), (False, True),
                                                (True, False)])
def test_phases_in_runner(build_runner, tmp_path, faithful, with_val):
    recorder = StateRecorder()
    runner = build_runner(
        tmp_path,
        4, [dict(type='SuperclassRefreshHook', start_epoch=2), recorder],
        faithful=faithful,
        with_val=with_val)
    runner.train()
    records = recorder.records
    assert [r['epoch']
            for r in records] == [1] * 5 + [2] * 5 + [3] * 5 + [4] * 5
    loss = runner.model.loss_inter
    for r in records:
        assert r['stats'] == (r['epoch'] >= 2)
        assert r['active'] == (r['epoch'] >= 3)
        if r['epoch'] < 3:
            assert r['loss_inter'] == 0
        else:
            assert r['loss_inter'] > 0
        if r['epoch'] == 1:
            assert not r['confusion'].any()
    assert records[9]['confusion'].sum() > 0
    for epoch in (3, 4):
        first = records[(epoch - 1) * 5]
        # Faithful: rebuilt inside the first forward, after its statistics;
        # clean: at the epoch start.
        source = first['confusion'] if faithful else first['confusion_before']
        expected = build_superclasses(source, 2, 1, faithful)
        assert torch.equal(first['mask'], expected)
        assert not torch.equal(first['confusion'], first['confusion_before'])
        for r in records[(epoch - 1) * 5 + 1:epoch * 5]:
            assert torch.equal(r['mask'], first['mask'])
    # Validation does not touch the statistics.
    for prev, nxt in zip(records[4::5], records[5::5]):
        assert torch.equal(prev['confusion'], nxt['confusion_before'])

    assert not (tmp_path / 'superclasses_epoch_2.json').exists()
    for epoch in (3, 4):
        with open(tmp_path / f'superclasses_epoch_{epoch}.json') as f:
            dump = json.load(f)
        assert dump['epoch'] == epoch
        module = dump['modules']['loss_inter']
        assert module['faithful'] == faithful
        mask = records[(epoch - 1) * 5]['mask']
        for index, entry in enumerate(module['classes']):
            members = mask[index].nonzero().flatten().tolist()
            assert entry['index'] == index
            assert entry['name'] == CLASS_NAMES[index]
            assert entry['members'] == members
            assert entry['member_names'] == [CLASS_NAMES[j] for j in members]
            assert entry['size'] == len(members)
            assert entry['tau'] == pytest.approx(
                float(records[(epoch - 1) * 5]['tau'][index]))
    with open(tmp_path / 'superclasses_latest.json') as f:
        latest = json.load(f)
    assert latest == dump
    assert torch.equal(loss.superclass_mask, records[-1]['mask'])


def test_resume_matches_uninterrupted(build_runner, tmp_path):
    hooks = [dict(type='SuperclassRefreshHook', start_epoch=2)]
    full = build_runner(tmp_path / 'full', 4, hooks)
    full.train()
    first = build_runner(tmp_path / 'split', 2, hooks)
    first.train()
    recorder = StateRecorder()
    resumed = build_runner(
        tmp_path / 'split', 4, hooks + [recorder], resume=True)
    resumed.train()
    # It did resume: only epochs 3 and 4 ran, with the right phases.
    assert [r['epoch'] for r in recorder.records] == [3] * 5 + [4] * 5
    assert all(r['stats'] and r['active'] for r in recorder.records)
    expected = full.model.state_dict()
    got = resumed.model.state_dict()
    assert set(expected) == set(got)
    for name, value in expected.items():
        torch.testing.assert_close(got[name], value, rtol=0, atol=1e-6)
    assert got['loss_inter.superclass_mask'].any()
    with open(tmp_path / 'full' / 'superclasses_latest.json') as f:
        full_dump = json.load(f)
    with open(tmp_path / 'split' / 'superclasses_latest.json') as f:
        assert json.load(f) == full_dump


def test_missing_loss_raises(build_runner, tmp_path):
    runner = build_runner(
        tmp_path, 1,
        [dict(type='SuperclassRefreshHook', loss_path='fc', start_epoch=1)])
    with pytest.raises(RuntimeError, match='AffinityContrastiveLoss'):
        runner.train()


def test_class_names_file_is_read_when_training_starts(build_runner, tmp_path):
    names_file = tmp_path / 'classes.txt'
    hook = dict(
        type='SuperclassRefreshHook',
        start_epoch=1,
        class_names=str(names_file))
    # Building the hook does not need the file yet (data preparation may
    # write it later) ...
    runner = build_runner(tmp_path / 'missing', 2, [hook], with_val=False)
    with pytest.raises(FileNotFoundError, match='classes.txt'):
        runner.train()
    # ... and once it exists, its names reach the JSON dump.
    names_file.write_text('\n'.join(CLASS_NAMES) + '\n')
    runner = build_runner(tmp_path / 'present', 2, [hook], with_val=False)
    runner.train()
    with open(tmp_path / 'present' / 'superclasses_latest.json') as file:
        content = json.load(file)
    classes = content['modules']['loss_inter']['classes']
    assert [entry['name'] for entry in classes] == list(CLASS_NAMES)


def test_no_second_rebuild_when_resumed_mid_epoch(build_runner, tmp_path):
    """A run resumed after iteration k of a rebuild epoch rebuilt the
    superclasses before it stopped; ``before_train_epoch`` of the resumed
    epoch must not ask for another rebuild."""
    runner = build_runner(tmp_path, 3,
                          [dict(type='SuperclassRefreshHook', start_epoch=1)])
    hook = next(
        h for h in runner.hooks if isinstance(h, SuperclassRefreshHook))
    hook.before_train(runner)
    loss = runner.model.loss_inter
    runner.train_loop._epoch = 1  # epoch 2 rebuilds
    assert hook.phase(2) == (True, True, True)
    runner.message_hub.update_info('train_epoch_iter', 2)
    hook.before_train_epoch(runner)
    assert bool(loss.loss_active) and not bool(loss.refresh_pending)
    runner.message_hub.update_info('train_epoch_iter', 0)
    hook.before_train_epoch(runner)
    assert bool(loss.refresh_pending)
