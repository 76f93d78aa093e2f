# Copyright (c) aclnet-mm contributors. All rights reserved.
import numpy as np
import pytest

from aclnet_mm.datasets.transforms import BODY_PARTS, SkeletonPartDrop
from aclnet_mm.structures import get_layout

_LIMBS = {
    'arm': ('shoulder', 'elbow', 'wrist'),
    'leg': ('hip', 'knee', 'ankle'),
}


@pytest.mark.parametrize('name',
                         ['nturgb+d', 'coco', 'coco_new', 'openpose_body25'])
def test_parts_are_the_four_limbs_by_name(name):
    names = get_layout(name).joint_names
    sides_limbs = [('left', 'arm'), ('left', 'leg'), ('right', 'arm'),
                   ('right', 'leg')]
    for part, (side, limb) in zip(BODY_PARTS[name], sides_limbs):
        part_names = {names[v] for v in part}
        assert all(n.startswith(side + '_') for n in part_names)
        assert {f'{side}_{n}' for n in _LIMBS[limb]} <= part_names
    if name == 'nturgb+d':
        # As the reference: arms with hand, hand tip and thumb; legs to
        # the foot.
        assert {names[v]
                for v in BODY_PARTS[name][0]} == {
                    'left_shoulder', 'left_elbow', 'left_wrist', 'left_hand',
                    'left_hand_tip', 'left_thumb'
                }
        assert {names[v]
                for v in BODY_PARTS[name][3]
                } == {'right_hip', 'right_knee', 'right_ankle', 'right_foot'}


def test_drops_exactly_the_chosen_part():
    rng = np.random.default_rng(0)
    keypoint = rng.uniform(1, 2, (2, 3, 25, 3)).astype(np.float32)
    before = keypoint.copy()
    seen = set()
    for seed in range(12):
        out = SkeletonPartDrop(
            drop_ratio=1., seed=seed)(dict(keypoint=keypoint))['keypoint']
        draws = np.random.default_rng(seed)
        draws.random()
        part = BODY_PARTS['nturgb+d'][draws.choice(4)]
        zeroed = np.flatnonzero((out == 0).all((0, 1, 3)))
        assert zeroed.tolist() == sorted(part)
        kept = np.setdiff1d(np.arange(25), part)
        np.testing.assert_array_equal(out[..., kept, :], before[..., kept, :])
        assert out.dtype == np.float32
        seen.add(tuple(sorted(part)))
    assert len(seen) == 4
    np.testing.assert_array_equal(keypoint, before)


def test_2d_scores_and_custom_parts():
    keypoint = np.ones((1, 2, 17, 2), dtype=np.float32)
    score = np.ones((1, 2, 17), dtype=np.float32)
    out = SkeletonPartDrop(
        'coco', drop_ratio=1., parts=[(0, 1, 2)])(
            dict(keypoint=keypoint, keypoint_score=score))
    np.testing.assert_array_equal(out['keypoint'][..., :3, :], 0)
    np.testing.assert_array_equal(out['keypoint'][..., 3:, :], 1)
    np.testing.assert_array_equal(out['keypoint_score'][..., :3], 0)
    np.testing.assert_array_equal(out['keypoint_score'][..., 3:], 1)
    assert out['keypoint_score'].dtype == np.float32


def test_drop_ratio():
    keypoint = np.ones((1, 2, 25, 3), dtype=np.float32)
    out = SkeletonPartDrop(drop_ratio=0.)(dict(keypoint=keypoint))
    assert out['keypoint'] is keypoint
    transform = SkeletonPartDrop(drop_ratio=0.2, seed=1)
    dropped = [
        not transform(dict(keypoint=keypoint))['keypoint'].all()
        for _ in range(500)
    ]
    assert 0.14 < np.mean(dropped) < 0.26


def test_invalid_arguments():
    custom = dict(num_node=3, inward=[(1, 0), (2, 0)], center=0)
    with pytest.raises(ValueError, match='parts'):
        SkeletonPartDrop(custom)
    with pytest.raises(ValueError, match='outside'):
        SkeletonPartDrop(custom, parts=[(1, 3)])
    with pytest.raises(ValueError, match='drop_ratio'):
        SkeletonPartDrop(drop_ratio=1.5)
    with pytest.raises(ValueError, match='joints'):
        SkeletonPartDrop(drop_ratio=1.)(dict(keypoint=np.ones((1, 1, 17, 3))))
