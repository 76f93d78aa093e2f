# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The ACLNet training step reads nothing back to the host.

On a GPU every ``item`` / ``tolist`` / ``cpu`` / ``bool(tensor)`` is a
device-to-host synchronisation. Without a GPU, :class:`HostReadCounter`
makes these calls raise (or counts them) during a step with both losses
fully active, so any such call in the step path fails here on the CPU.
"""
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from aclnet_mm.utils import HostReadCounter

NUM_CLASSES, BATCH, V = 12, 6, 5


def _active_head(with_losses: bool = True):
    torch.manual_seed(0)
    losses = dict(loss_intra=dict(type='MarginContrastiveLoss', queue_size=8))
    if not with_losses:
        losses = dict(loss_inter=None, loss_intra=None)
    head = MODELS.build(
        dict(
            type='ACLNetHead',
            num_classes=NUM_CLASSES,
            in_channels=4,
            num_nodes=V,
            **losses))
    if with_losses:
        inter, intra = head.loss_inter, head.loss_intra
        bank = torch.randint(0, 5, (NUM_CLASSES, NUM_CLASSES)).double()
        inter.confusion.copy_(bank.fill_diagonal_(0))
        inter.set_phase(stats_active=True, loss_active=True)
        inter.request_refresh()  # faithful: rebuilt inside the next step
        intra.queue_feats.copy_(F.normalize(torch.randn(8, 256), dim=1))
        intra.queue_labels.copy_(torch.arange(8) % NUM_CLASSES)
        intra.queue_count.fill_(8)
    return head


def _batch():
    feature_map = torch.randn(BATCH, 2, 4, 3, V, requires_grad=True)
    topology = torch.randn(BATCH, V * V, requires_grad=True)
    samples = [
        ActionDataSample().set_gt_label(i % NUM_CLASSES) for i in range(BATCH)
    ]
    labels = torch.arange(BATCH) % NUM_CLASSES
    return feature_map, topology, samples, labels


def test_active_losses_forward_backward_make_no_host_read():
    head = _active_head()
    feature_map, topology, _, labels = _batch()
    logits = torch.randn(BATCH, NUM_CLASSES)
    feats = topology.flatten(1)
    with HostReadCounter(forbid=True):
        for _ in range(2):  # the first step also rebuilds the superclasses
            loss = (
                head.loss_inter(feats, labels, logits) +
                head.loss_intra(feats, labels))
            stats = head._inter_stats(labels)
            loss.backward()
        head.loss_inter.refresh_superclasses()
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert topology.grad.abs().sum() > 0
    # The step really ran in the active state.
    assert head.loss_inter.superclass_mask.any()
    assert stats['superclass_size_min'] >= 10


def test_head_step_adds_no_host_read_to_cross_entropy():
    """MMAction2's top-k accuracy reads the scores back once per step; the
    ACLNet losses add nothing to that."""
    reads = {}
    for with_losses in (False, True):
        head = _active_head(with_losses)
        feature_map, topology, samples, _ = _batch()
        with HostReadCounter() as counter:
            losses = head.loss((feature_map, topology), samples)
            sum(v for k, v in losses.items() if 'loss' in k).backward()
        reads[with_losses] = counter.calls
        assert ('loss_inter' in losses) == with_losses
    assert reads[True] == reads[False]
    assert sum(reads[True].values()) > 0  # the counter sees top-k's reads
