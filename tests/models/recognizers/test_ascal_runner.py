# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL through MMEngine's Runner: pretraining with the hooks, k-NN
validation, exact resume, and the linear probe loading the encoder."""

import pytest
import torch
from mmengine.config import Config
from tool_scripts import TEXT_RUNTIME, load_tool

from aclnet_mm.engine.runner import build_runner

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset


def _runtime():
    # No yapf formatting of the config text (logged, dumped and stored in
    # every checkpoint): it took most of this test's time. A new Config,
    # since MMEngine 0.10.7's fromfile drops the flag for plain .py files.
    return Config(
        Config.fromstring(TEXT_RUNTIME, '.py').to_dict(),
        format_python_code=False)


def _pretrain_cfg(ann_file, work_dir, max_epochs):
    view = [
        dict(type='SkeletonFirstFrames', clip_len=8),
        dict(type='SkeletonCentre', joint=1)
    ]
    # Deterministic views (the key is reversed): MMEngine's resume re-seeds
    # numpy's global RNG, so random augmentations in the main process would
    # differ between a resumed and an uninterrupted run.
    train_pipeline = [
        dict(
            type='SkeletonTwoView',
            transforms=view,
            key_transforms=view + [dict(type='SkeletonReverse', prob=1.)]),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    feature_pipeline = view + [
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs', meta_keys=('knn_bank', ))
    ]
    bank = dict(
        type='SkeletonPoseDataset',
        ann_file=ann_file,
        validate=False,
        split='train',
        extra_info=dict(knn_bank=True),
        pipeline=feature_pipeline,
        test_mode=True)
    queries = dict(bank, split='val', extra_info=dict(knn_bank=False))
    cfg = _runtime()
    cfg.merge_from_dict(
        dict(
            work_dir=work_dir,
            model=dict(
                type='ASCALRecognizer',
                backbone=dict(
                    type='SkeletonRNN',
                    in_channels=3,
                    num_joints=25,
                    num_person=2,
                    hidden_channels=6),
                feat_dim=6,
                queue_size=10,  # not a multiple of the batch size
                momentum=0.9),
            train_dataloader=dict(
                batch_size=4,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(
                    type='PoseDataset',
                    ann_file=ann_file,
                    split='train',
                    pipeline=train_pipeline)),
            val_dataloader=dict(
                batch_size=8,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(type='ConcatDataset', datasets=[bank, queries])),
            val_evaluator=dict(type='KNNAccuracy', topk=(1, 3)),
            train_cfg=dict(
                type='EpochBasedTrainLoop',
                max_epochs=max_epochs,
                val_interval=3),
            val_cfg=dict(type='ValLoop'),
            optim_wrapper=dict(
                optimizer=dict(
                    type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4)),
            param_scheduler=[
                # An explicit end: MMEngine otherwise ends the schedule at
                # max_epochs, which differs between the runs compared.
                dict(type='MultiStepLR', milestones=[2], gamma=0.1, end=100)
            ],
            custom_hooks=[
                dict(type='QueueWarmupHook'),
                dict(type='MomentumEncoderHook')
            ],
            default_hooks=dict(
                logger=dict(interval=1),
                checkpoint=dict(interval=1, save_best=None)),
            randomness=dict(seed=0)))
    return cfg


def _state(runner):
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """One uninterrupted 3-epoch pretraining run, shared by the tests."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp('ascal')
    ann_file = dump_synthetic_skeleton_dataset(
        str(root / 'syn.pkl'),
        num_classes=3,
        samples_per_class=8,
        num_frames=8,
        seed=0)
    full = build_runner(
        _pretrain_cfg(ann_file, str(root / 'full'), max_epochs=3))
    full.train()
    return dict(
        root=root,
        ann_file=ann_file,
        runner=full,
        state=_state(full),
        log_scalars=set(full.message_hub.log_scalars))


def test_pretrain_queue_and_momentum(pretrained):
    # 12 training clips: the warm-up pass and 3 epochs push 4 x 12 keys.
    model = pretrained['runner'].model
    assert model.queue_count.item() == 10
    assert model.queue_ptr.item() == (4 * 12) % 10
    assert model.key_backbone.steps.item() == 3 * 3
    assert 'val/knn/top1_k1' in pretrained['log_scalars']
    q = dict(model.backbone.named_parameters())
    assert any(not torch.equal(q[name], k)
               for name, k in model.key_backbone.module.named_parameters())


def test_resume_is_exact(pretrained):
    # Resume from the uninterrupted run's epoch-1 checkpoint in a fresh
    # work dir: epochs 2 and 3 must reproduce it exactly.
    root = pretrained['root']
    cfg = _pretrain_cfg(
        pretrained['ann_file'], str(root / 'resumed'), max_epochs=3)
    cfg.resume = True
    cfg.load_from = str(root / 'full' / 'epoch_1.pth')
    resumed = build_runner(cfg)
    resumed.train()
    expected, got = pretrained['state'], _state(resumed)
    assert expected.keys() == got.keys()
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], msg=name)


def test_linear_probe_loads_query_encoder(pretrained):
    root, ann_file = pretrained['root'], pretrained['ann_file']
    expected = pretrained['state']
    # Linear probe: RecognizerGCN + frozen SkeletonRNN loading the query
    # encoder of the pretraining checkpoint.
    probe = _runtime()
    probe.merge_from_dict(
        dict(
            work_dir=str(root / 'probe'),
            model=dict(
                type='RecognizerGCN',
                backbone=dict(
                    type='SkeletonRNN',
                    in_channels=3,
                    num_joints=25,
                    num_person=2,
                    hidden_channels=6,
                    frozen=True,
                    init_cfg=dict(
                        type='Pretrained',
                        checkpoint=str(root / 'full' / 'epoch_3.pth'),
                        prefix='backbone.')),
                cls_head=dict(type='GCNHead', num_classes=3, in_channels=6)),
            train_dataloader=dict(
                batch_size=4,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(
                    type='PoseDataset',
                    ann_file=ann_file,
                    split='train',
                    pipeline=[
                        dict(type='SkeletonFirstFrames', clip_len=8),
                        dict(type='SkeletonCentre'),
                        dict(type='FormatGCNInput', num_person=2),
                        dict(type='PackActionInputs')
                    ])),
            train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=1),
            optim_wrapper=dict(
                optimizer=dict(
                    type='SGD', lr=1.0, momentum=0.9, nesterov=True)),
            default_hooks=dict(checkpoint=dict(interval=1, save_best=None)),
            randomness=dict(seed=0)))
    probe_runner = build_runner(probe)
    probe_runner.train()
    for name, value in probe_runner.model.backbone.state_dict().items():
        torch.testing.assert_close(value, expected['backbone.' + name])
