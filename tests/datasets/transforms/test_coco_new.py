# Copyright (c) aclnet-mm contributors. All rights reserved.
import numpy as np
import pytest

from aclnet_mm.datasets.transforms import CocoToCocoNew, GenSkeletonStreams
from aclnet_mm.models.utils import build_graph
from aclnet_mm.structures import get_layout


def test_coco_new_layout_matches_the_reference_tree():
    layout = get_layout('coco_new')
    assert layout.num_node == 20 and layout.center == 19
    names = layout.joint_names
    parent_of = {names[v]: names[p] for v, p in enumerate(layout.parents)}
    # Reference: hips hang from the hip centre (17), which hangs from the
    # torso centre (18), which hangs from the shoulder centre (19, root);
    # nose and shoulders hang from the root too.
    assert parent_of['left_hip'] == parent_of['right_hip'] == 'hip_centre'
    assert parent_of['hip_centre'] == 'torso_centre'
    assert parent_of['torso_centre'] == 'shoulder_centre'
    assert parent_of['nose'] == 'shoulder_centre'
    assert parent_of['left_shoulder'] == 'shoulder_centre'
    assert parent_of['left_eye'] == 'nose'
    assert parent_of['left_ankle'] == 'left_knee'
    assert parent_of['shoulder_centre'] == 'shoulder_centre'
    # The COCO part is COCO's, flips included.
    assert names[:17] == get_layout('coco').joint_names
    assert layout.flip_pairs == get_layout('coco').flip_pairs
    # Our graph builder resolves the name for MMAction2's Graph.
    assert build_graph('coco_new').A.shape == (3, 20, 20)


def test_appends_centres_to_keypoints_and_scores():
    keypoint = np.zeros((1, 1, 17, 2), dtype=np.float32)
    keypoint[0, 0, 5] = [10, 2]  # left shoulder
    keypoint[0, 0, 6] = [20, 4]  # right shoulder
    keypoint[0, 0, 11] = [12, 40]  # left hip
    keypoint[0, 0, 12] = [18, 44]  # right hip
    score = np.zeros((1, 1, 17), dtype=np.float32)
    score[0, 0, [5, 6, 11, 12]] = [0.8, 0.6, 0.4, 0.2]
    results = CocoToCocoNew()(
        dict(keypoint=keypoint.copy(), keypoint_score=score.copy()))
    out, out_score = results['keypoint'], results['keypoint_score']
    assert out.shape == (1, 1, 20, 2) and out.dtype == np.float32
    assert out_score.shape == (1, 1, 20) and out_score.dtype == np.float32
    np.testing.assert_array_equal(out[..., :17, :], keypoint)
    np.testing.assert_array_equal(out[0, 0, 17:],
                                  [[15, 42], [15, 22.5], [15, 3]])
    np.testing.assert_allclose(
        out_score[0, 0, 17:], [0.3, 0.5, 0.7], rtol=1e-6)


def test_3d_and_batch_shapes():
    rng = np.random.default_rng(0)
    keypoint = rng.standard_normal((2, 5, 17, 3))
    out = CocoToCocoNew()(dict(keypoint=keypoint))['keypoint']
    assert out.shape == (2, 5, 20, 3) and out.dtype == np.float64
    hip = (keypoint[..., 11, :] + keypoint[..., 12, :]) / 2
    shoulder = (keypoint[..., 5, :] + keypoint[..., 6, :]) / 2
    np.testing.assert_allclose(out[..., 17, :], hip)
    np.testing.assert_allclose(out[..., 19, :], shoulder)
    np.testing.assert_allclose(out[..., 18, :], (hip + shoulder) / 2)


def test_feeds_coco_new_streams():
    rng = np.random.default_rng(1)
    results = dict(
        keypoint=rng.uniform(0, 100, (1, 4, 17, 2)).astype(np.float32),
        keypoint_score=rng.uniform(0, 1, (1, 4, 17)).astype(np.float32))
    results = CocoToCocoNew()(results)
    out = GenSkeletonStreams('coco_new', feats=('b', ))(results)['keypoint']
    assert out.shape == (1, 4, 20, 3)
    # The root (shoulder centre) bone is 0 with its own score kept.
    np.testing.assert_array_equal(out[..., 19, :2], 0)


def test_rejects_other_layouts():
    with pytest.raises(ValueError, match='17'):
        CocoToCocoNew()(dict(keypoint=np.zeros((1, 2, 25, 3))))
