# Copyright (c) aclnet-mm contributors. All rights reserved.
"""SkeletonRNN: flattening order, temporal pooling, freezing."""
import pytest
import torch

from aclnet_mm.models.backbones import SkeletonRNN


def _inputs(n=2, m=2, t=5, v=3, c=3):
    return torch.randn(
        n, m, t, v, c, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize('rnn_type', ['LSTM', 'GRU', 'RNN'])
def test_pools_match_the_hidden_states(rnn_type):
    torch.manual_seed(0)
    model = SkeletonRNN(
        in_channels=3,
        num_joints=3,
        num_person=2,
        hidden_channels=4,
        rnn_type=rnn_type)
    x = _inputs()
    # The reference flattens each frame in (C, V, M) order.
    frames = torch.stack([
        torch.stack([
            x[:, m, :, v, c] for c in range(3) for v in range(3)
            for m in range(2)
        ],
                    dim=-1)
    ])[0]
    states, _ = model.rnn(frames)
    out = model(x)
    assert out.shape == (2, 1, 4, 1, 1)
    torch.testing.assert_close(out.flatten(1), states.mean(dim=1))
    model.temporal_pool = 'last'
    torch.testing.assert_close(model(x).flatten(1), states[:, -1])
    model.temporal_pool = 'sum'
    torch.testing.assert_close(model(x).flatten(1), states.sum(dim=1))


def test_frozen_stays_in_eval_without_gradient():
    model = SkeletonRNN(
        num_joints=3, num_person=2, hidden_channels=4, frozen=True)
    model.train()
    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())


def test_rejects_wrong_layout():
    model = SkeletonRNN(num_joints=3, num_person=2, hidden_channels=4)
    with pytest.raises(ValueError):
        model(_inputs(v=4))
    with pytest.raises(ValueError):
        SkeletonRNN(rnn_type='Transformer')
