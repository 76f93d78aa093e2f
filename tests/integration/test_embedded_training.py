# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The shipped embedded-data configs, run by the real Runner on the real
pose-classification-kit recordings: train, validate, test, dump."""
import json
import os.path as osp
import pickle

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from tool_scripts import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', 'aclnet')
CE_CONFIG = 'aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py'
ACLNET_CONFIG = ('aclnet_aclgcn_1xb16_joint_u24_30e_'
                 'body25_embedded_keypoint_2d.py')


@pytest.fixture(scope='module')
def embedded(tmp_path_factory):
    kit = load_tool('data/embedded/prepare_pose_classification_kit.py')
    convert_pose_classification_kit = kit.convert_pose_classification_kit
    find_pose_classification_kit = kit.find_pose_classification_kit
    try:
        find_pose_classification_kit()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    folder = tmp_path_factory.mktemp('embedded')
    ann_file = str(folder / 'body25_2d.pkl')
    data = convert_pose_classification_kit(out_file=ann_file, verbose=False)
    return ann_file, data


def _config(name, ann_file, work_dir, max_epochs):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.ann_file = ann_file
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = 1
    cfg.param_scheduler[0].T_max = max_epochs
    cfg.log_level = 'WARNING'
    return cfg


def test_ce_config_trains_validates_and_tests(embedded, tmp_path):
    ann_file, data = embedded
    cfg = _config(CE_CONFIG, ann_file, tmp_path, max_epochs=2)
    dump = str(tmp_path / 'pred.pkl')
    cfg.test_evaluator = [
        dict(type='AccMetric'),
        dict(type='DumpResults', out_file_path=dump)
    ]
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert osp.exists(osp.join(tmp_path, 'epoch_2.pth'))
    assert runner.message_hub.get_scalar('val/acc/top1') is not None
    metrics = runner.test()

    with open(dump, 'rb') as file:
        predictions = pickle.load(file)
    num_test = len(data['split']['test'])
    assert len(predictions) == num_test == 81
    scores = np.stack([p['pred_score'].numpy() for p in predictions])
    labels = np.array([int(p['gt_label']) for p in predictions])
    assert scores.shape == (num_test, 20)
    np.testing.assert_allclose(scores.sum(1), 1, rtol=1e-5)
    # The test metric is the accuracy of the dumped predictions, on the
    # test windows in dataset order.
    expected = {a['frame_dir']: a['label'] for a in data['annotations']}
    test_labels = [expected[name] for name in data['split']['test']]
    np.testing.assert_array_equal(labels, test_labels)
    top1 = float((scores.argmax(1) == labels).mean())
    assert metrics['acc/top1'] == pytest.approx(top1)


def test_aclnet_config_enters_every_phase(embedded, tmp_path):
    ann_file, _ = embedded
    cfg = _config(ACLNET_CONFIG, ann_file, tmp_path, max_epochs=2)
    # The shipped schedule starts statistics at epoch 6; start at 1 here so
    # that two epochs reach the active phase. Class names come from the
    # pickle's "classes" (the dataset's metainfo).
    for hook in cfg.custom_hooks:
        kind = hook.type
        if getattr(kind, '__name__', kind) == 'SuperclassRefreshHook':
            hook.start_epoch = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    head = runner.model.cls_head
    assert bool(head.loss_inter.loss_active)
    assert float(head.loss_inter.confusion.sum()) > 0
    assert int(head.loss_intra.queue_count) == 256
    with open(osp.join(tmp_path, 'superclasses_latest.json')) as file:
        content = json.load(file)
    classes = content['modules']['cls_head.loss_inter']['classes']
    assert [c['name'] for c in classes][:2] == ['MilitarySalute', 'Plank']
    assert all(len(c['member_names']) == c['size'] for c in classes)
    assert all(c['tau'] in (0.1, 0.5, 1.0) for c in classes)
