# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The faithful AS-CAL pretraining config through MMEngine's Runner against
a loop re-statement of the reference's ``train_moco`` (LZU-SIAT/AS-CAL
``pretrain_and_linEval.py``): losses, both encoders and the queue after
every step, from the first one."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.optim import MultiStepLR
from mmengine.runner import Runner
from tool_scripts import load_tool
from torch import nn

from aclnet_mm.engine import MomentumEncoderHook, QueueWarmupHook
from aclnet_mm.models import InfoNCELoss, SkeletonRNN

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset

CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))),
    'configs', 'ascal',
    'ascal_lstm_1xb32_reverse_shear_u150_60e_ntu60_xsub_keypoint_3d.py')

# The reference's defaults (pretrain_and_linEval.py parse_option).
REF = dict(
    lr=0.01,
    momentum=0.9,
    weight_decay=1e-4,
    nesterov=False,
    lr_decay_epochs=(30, 70),
    lr_decay_rate=0.1,
    alpha=0.999,
    nce_t=0.06,
    nce_k=16384,
    hidden=256,
    epochs=60)


def _clone(state):
    return {k: v.detach().clone() for k, v in state.items()}


class _Start(Hook):
    """Before the warm-up: the initial encoders and queue; then record the
    warm-up batches the model receives."""

    def __init__(self):
        self.warmup_batches = []

    def before_train(self, runner):
        model = runner.model
        self.query = _clone(model.backbone.state_dict())
        self.key = _clone(model.key_backbone.module.state_dict())
        self.queue = model.queue.clone()
        warmup_step = model.warmup_step

        def recording(data):
            inputs = model.data_preprocessor(data, True)['inputs']
            self.warmup_batches.append(inputs.clone())
            return warmup_step(data)

        # An instance attribute on our own model, for this test only.
        model.warmup_step = recording


class _Steps(Hook):
    """Each training batch and its learning rate, then the loss and the
    states after the step and the momentum update (this hook runs last)."""

    def __init__(self):
        self.batches, self.lrs, self.losses, self.states = [], [], [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model
        if runner.iter == 0:
            self.queue_after_warmup = model.queue.clone()
        inputs = model.data_preprocessor(data_batch, True)['inputs']
        self.batches.append(inputs.clone())
        self.lrs.append(runner.optim_wrapper.get_lr()['lr'][0])

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        model = runner.model
        self.losses.append(float(outputs['loss'].detach()))
        self.states.append(
            dict(
                query=_clone(model.backbone.state_dict()),
                key=_clone(model.key_backbone.module.state_dict()),
                queue=model.queue.clone()))


def _reference_encode(lstm, x):
    """``Bi_lstm.forward`` re-stated: our ``(N, M, T, V, C)`` batch in the
    reference's ``(N, C, T, V, M)`` layout, time-major ``(T, N, C*V*M)``,
    a time-major LSTM, the mean of the hidden states over time."""
    x = x.permute(0, 4, 2, 3, 1)
    n, c, t, v, m = x.shape
    seq = x.permute(2, 0, 1, 3, 4).contiguous().view(t, n, c * v * m)
    hidden, _ = lstm(seq)
    return hidden.permute(1, 0, 2).mean(dim=1)


def _lstm(state, in_size, hidden):
    lstm = nn.LSTM(in_size, hidden, num_layers=1)
    lstm.load_state_dict({k[len('rnn.'):]: v for k, v in state.items()})
    return lstm


def _assert_lstm(lstm, state, msg):
    for name, value in lstm.state_dict().items():
        torch.testing.assert_close(
            state['rnn.' + name], value, atol=1e-5, rtol=0, msg=msg + name)


def test_runner_steps_equal_reference_train_moco(tmp_path):
    torch.set_num_threads(1)
    ann_file = dump_synthetic_skeleton_dataset(
        str(tmp_path / 'syn.pkl'),
        num_classes=3,
        samples_per_class=6,
        num_frames=12,
        split_prefix='xsub_',
        seed=0)
    cfg = Config.fromfile(CONFIG)
    cfg = Config(cfg.to_dict(), format_python_code=False)
    # The faithful model, optimiser, schedule and hooks; tiny data only.
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.dataset.ann_file = ann_file
    cfg.train_dataloader.dataset.num_classes = 3
    cfg.train_dataloader.batch_size = 4
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_cfg.max_epochs = 2
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    runner = Runner.from_cfg(cfg)
    start, steps = _Start(), _Steps()
    runner.register_hook(start, priority='HIGHEST')
    runner.register_hook(steps, priority='LOWEST')
    runner.train()

    model_cfg = cfg.model
    assert model_cfg.momentum == REF['alpha']
    assert model_cfg.queue_size == REF['nce_k']
    assert model_cfg.loss.temperature == REF['nce_t']
    assert not model_cfg.loss.normalize
    assert model_cfg.backbone.hidden_channels == REF['hidden']
    # 12 training clips (the xsub_train split), 3 batches per epoch.
    assert len(start.warmup_batches) == 3 and len(steps.batches) == 6

    # The reference: model_ema is a copy of model (moment_update(m=0)).
    in_size = 3 * 25 * 2
    query = _lstm(start.query, in_size, REF['hidden'])
    key = _lstm(start.query, in_size, REF['hidden'])
    _assert_lstm(key, start.key, 'initial key encoder ')
    memory = start.queue.clone()
    index = 0
    optimizer = torch.optim.SGD(
        query.parameters(),
        lr=REF['lr'],
        momentum=REF['momentum'],
        nesterov=REF['nesterov'],
        weight_decay=REF['weight_decay'])

    def push(k):
        # MemoryMoCo: index_copy_ at (index + arange(B)) mod K.
        nonlocal index
        ids = torch.fmod(torch.arange(k.shape[0]) + index, memory.shape[0])
        memory.index_copy_(0, ids, k)
        index = (index + k.shape[0]) % memory.shape[0]

    # Epoch 1: keys only, no backward, no step, no momentum update.
    for x in start.warmup_batches:
        with torch.no_grad():
            push(_reference_encode(key, x[:, 1]))
    torch.testing.assert_close(
        steps.queue_after_warmup, memory, atol=1e-5, rtol=0)

    per_epoch = len(steps.batches) // 2
    for step, x in enumerate(steps.batches):
        epoch = 2 + step // per_epoch
        decays = sum(epoch > e for e in REF['lr_decay_epochs'])
        lr = REF['lr'] * REF['lr_decay_rate']**decays
        for group in optimizer.param_groups:
            group['lr'] = lr
        assert abs(steps.lrs[step] - lr) < 1e-12
        q = _reference_encode(query, x[:, 0])
        with torch.no_grad():
            k = _reference_encode(key, x[:, 1]).detach()
        l_pos = torch.bmm(q.view(len(q), 1, -1), k.view(len(k), -1, 1))
        l_neg = torch.mm(memory.clone().detach(), q.t()).t()
        out = torch.cat((l_pos.view(len(q), 1), l_neg), dim=1) / REF['nce_t']
        loss = F.cross_entropy(out, torch.zeros(len(q), dtype=torch.long))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for p_q, p_k in zip(query.parameters(), key.parameters()):
                p_k.mul_(REF['alpha']).add_(
                    p_q.detach(), alpha=1 - REF['alpha'])
            push(k)
        state = steps.states[step]
        assert abs(steps.losses[step] - loss.item()) < 1e-5, step
        _assert_lstm(query, state['query'], f'step {step} query ')
        _assert_lstm(key, state['key'], f'step {step} key ')
        torch.testing.assert_close(
            state['queue'], memory, atol=1e-5, rtol=0, msg=f'step {step}')
    # The key encoder blended from the first step: it is not the query.
    assert not torch.allclose(
        steps.states[0]['key']['rnn.weight_ih_l0'],
        steps.states[0]['query']['rnn.weight_ih_l0'],
        atol=1e-6)


@pytest.mark.parametrize(
    'dataset', ['ntu60_xsub', 'ntu60_xview', 'ntu120_xsub', 'ntu120_xset'])
def test_pretraining_config_is_the_reference(dataset):
    """Model, optimiser and data of every faithful NTU pretraining config,
    and the learning rate of all 60 training epochs: the Runner's epoch
    ``i`` is the reference's epoch ``i + 2`` (its epoch 1 only fills the
    queue)."""
    cfg = Config.fromfile(CONFIG.replace('ntu60_xsub', dataset))
    model = cfg.model
    assert (model.momentum, model.queue_size,
            model.feat_dim) == (REF['alpha'], REF['nce_k'], REF['hidden'])
    assert (model.loss.type, model.loss.temperature,
            model.loss.normalize) == (InfoNCELoss, REF['nce_t'], False)
    backbone = model.backbone
    assert (backbone.type, backbone.rnn_type, backbone.hidden_channels,
            backbone.num_layers, backbone.temporal_pool, backbone.in_channels *
            backbone.num_joints * backbone.num_person) == (SkeletonRNN, 'LSTM',
                                                           REF['hidden'], 1,
                                                           'mean', 150)
    assert cfg.train_cfg.max_epochs == REF['epochs']
    assert [h['type'] for h in cfg.custom_hooks
            ] == [QueueWarmupHook, MomentumEncoderHook]
    assert cfg.custom_hooks[0]['num_epochs'] == 1
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay,
            opt.get('nesterov',
                    False)) == (torch.optim.SGD, REF['lr'], REF['momentum'],
                                REF['weight_decay'], REF['nesterov'])
    data = cfg.train_dataloader
    assert data.batch_size == 32
    # The whole training split, first 150 frames, centred on joint 1, then
    # Reverse (p 0.5) and Shear (U(-1, 1)) for each view.
    assert data.dataset.split == dataset.split('_')[1] + '_train'
    assert tuple(data.dataset.class_range) == (0., 1.)
    (two_view, *_) = data.dataset.pipeline
    assert two_view.type.__name__ == 'SkeletonTwoView'
    assert two_view.get('key_transforms') is None
    assert [(t['type'].__name__,
             t.get('clip_len', t.get('joint', t.get('prob',
                                                    t.get('magnitude')))))
            for t in two_view.transforms] == [('SkeletonFirstFrames', 150),
                                              ('SkeletonCentre', 1),
                                              ('SkeletonReverse', 0.5),
                                              ('SkeletonShear', 1.)]
    assert cfg.randomness.seed == 1
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=opt.lr)
    (sched_cfg, ) = cfg.param_scheduler
    assert sched_cfg['type'] is MultiStepLR
    scheduler = MultiStepLR(
        optimizer, **{
            k: v
            for k, v in sched_cfg.items() if k != 'type'
        })
    for i in range(REF['epochs']):
        epoch = i + 2
        expected = REF['lr'] * REF['lr_decay_rate']**sum(
            epoch > e for e in REF['lr_decay_epochs'])
        assert abs(optimizer.param_groups[0]['lr'] - expected) < 1e-12, i
        optimizer.step()
        scheduler.step()
