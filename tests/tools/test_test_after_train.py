# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``TestAfterTrainHook``: the ACLNet paper's report of the last and the
best checkpoint, from the config, under our ``tools/train.py`` and
MMAction2's."""
import os.path as osp
import re
import sys

import mmaction
import pytest

# Not imported by name: pytest would take a class named Test* for tests.
from aclnet_mm.engine import hooks

MMACTION_TRAIN = osp.join(
    osp.dirname(mmaction.__file__), '.mim', 'tools', 'train.py')


def test_which_is_checked_and_ordered():
    assert hooks.TestAfterTrainHook().which == ('last', 'best')
    # The last weights first: loading the best checkpoint replaces them.
    assert hooks.TestAfterTrainHook(('best', 'last')).which == ('last', 'best')
    assert hooks.TestAfterTrainHook('best').which == ('best', )
    for which in (('first', ), ()):
        with pytest.raises(ValueError, match='which'):
            hooks.TestAfterTrainHook(which)


@pytest.mark.parametrize('tool', ['ours', 'mmaction2'])
def test_train_tests_last_and_best(tool, tmp_path, write_tiny_config,
                                   run_tool):
    if tool == 'mmaction2' and not osp.isfile(MMACTION_TRAIN):
        pytest.skip(f'{MMACTION_TRAIN} is not installed')
    config = write_tiny_config(tmp_path / 'tiny.py', max_epochs=2)
    with open(config, 'a') as file:
        file.write("custom_hooks = [dict(type='TestAfterTrainHook', "
                   "which=('last', 'best'))]\n")
    work_dir = tmp_path / 'work'
    cmd = 'train' if tool == 'ours' else [sys.executable, MMACTION_TRAIN]
    log = run_tool(cmd, config, '--work-dir', work_dir)
    last = re.search(r'test of the last weights \(epoch 2\): (.*)', log)
    best = re.search(
        r'test of the best checkpoint (\S+best_acc_top1_epoch_\d\.pth): '
        r'(.*)', log)
    assert last and best, log[-3000:]
    assert 'acc/top1' in last.group(1) and 'acc/top1' in best.group(2)
    # Two test loops ran on the test split.
    assert len(re.findall(r'Epoch\(test\)', log)) >= 2


def test_best_without_a_saved_best_fails_before_training(
        tmp_path, write_tiny_config, run_tool):
    config = write_tiny_config(tmp_path / 'tiny.py', max_epochs=1)
    with open(config, 'a') as file:
        file.write("custom_hooks = [dict(type='TestAfterTrainHook', "
                   "which='best')]\n")
    for options in ([
            '--cfg-options', 'default_hooks.checkpoint.save_best=None'
    ], ['--no-validate']):
        work_dir = tmp_path / options[-1].replace('=', '_')
        with pytest.raises(AssertionError, match='none will be saved'):
            run_tool('train', config, '--work-dir', work_dir, *options)
        # Nothing was trained.
        assert not (work_dir / 'epoch_1.pth').exists()
