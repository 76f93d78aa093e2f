# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
from mmengine.dataset import DefaultSampler

from aclnet_mm.datasets.samplers import ResumableSampler


@pytest.mark.parametrize('shuffle', [True, False])
def test_order_is_the_default_samplers_and_skip_applies_once(shuffle):
    dataset = list(range(11))
    ours = ResumableSampler(dataset, shuffle=shuffle, seed=3)
    theirs = DefaultSampler(dataset, shuffle=shuffle, seed=3)
    for epoch in (0, 1):
        ours.set_epoch(epoch)
        theirs.set_epoch(epoch)
        expected = list(theirs)
        assert list(ours) == expected
        ours.skip(4)
        assert list(ours) == expected[4:]
        assert list(ours) == expected  # only the next iteration skips
        assert len(ours) == len(expected) == 11
    ours.skip(11)
    assert list(ours) == []


def test_skip_is_checked():
    sampler = ResumableSampler(list(range(5)), seed=0)
    with pytest.raises(ValueError, match=r'between 0 and 5 .*got 6'):
        sampler.skip(6)
    with pytest.raises(ValueError, match='got -1'):
        sampler.skip(-1)
