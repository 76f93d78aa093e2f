# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``tools/train.py --test-last --test-best`` / ``test_after_train``: the
ACLNet paper's report of the last and the best checkpoint."""
import re

import pytest
from mmengine.config import Config

from aclnet_mm.tools import train as train_tool


def test_merge_args_reads_config_and_flags(tmp_path):
    args = train_tool.parse_args(['c.py', '--test-best'])
    cfg = train_tool.merge_args(Config(dict()), args)
    assert cfg.test_after_train == ('best', )
    args = train_tool.parse_args(['c.py', '--test-last'])
    cfg = train_tool.merge_args(
        Config(dict(test_after_train=('best', ))), args)
    assert set(cfg.test_after_train) == {'last', 'best'}
    cfg = train_tool.merge_args(Config(dict()), train_tool.parse_args(['c']))
    assert 'test_after_train' not in cfg
    with pytest.raises(ValueError, match='test_after_train'):
        train_tool.merge_args(
            Config(dict(test_after_train=('first', ))),
            train_tool.parse_args(['c.py']))


def test_train_tests_last_and_best(tmp_path, write_tiny_config, run_tool):
    config = write_tiny_config(tmp_path / 'tiny.py', max_epochs=2)
    work_dir = tmp_path / 'work'
    log = run_tool('train', config, '--work-dir', work_dir, '--test-last',
                   '--test-best', '--cfg-options',
                   'default_hooks.checkpoint.save_best=acc/top1')
    last = re.search(r'test of the last checkpoint \(epoch 2\): (.*)', log)
    best = re.search(
        r'test of the best checkpoint (\S+best_acc_top1_epoch_\d\.pth): '
        r'(.*)', log)
    assert last and best, log[-3000:]
    assert 'acc/top1' in last.group(1) and 'acc/top1' in best.group(2)
    # Two test loops ran on the test split.
    assert len(re.findall(r'Epoch\(test\)', log)) >= 2
