# Copyright (c) aclnet-mm contributors. All rights reserved.
import numpy as np
import pytest

from aclnet_mm.datasets.transforms import RandomSkeletonRotate, euler_rotation


def test_euler_rotation_by_known_angles():
    half_pi = np.pi / 2
    # Rx turns the frame: (0, 1, 0) -> (0, cos a, -sin a).
    np.testing.assert_allclose(
        euler_rotation(np.array([0.3, 0., 0.])) @ [0, 1, 0],
        [0, np.cos(0.3), -np.sin(0.3)])
    # Rz(pi/2) sends x to -y; Ry(pi/2) sends x to z.
    np.testing.assert_allclose(
        euler_rotation(np.array([0., 0., half_pi])) @ [1, 0, 0], [0, -1, 0],
        atol=1e-12)
    np.testing.assert_allclose(
        euler_rotation(np.array([0., half_pi, 0.])) @ [1, 0, 0], [0, 0, 1],
        atol=1e-12)
    # Ry(pi/2) @ Rx(pi/2), worked out by hand: (a, b, c) -> (b, c, a).
    # The other order, Rx @ Ry, would give (-c, a, -b).
    np.testing.assert_allclose(
        euler_rotation(np.array([half_pi, half_pi, 0.])) @ [1, 2, 3],
        [2, 3, 1],
        atol=1e-12)


def test_euler_rotation_is_a_proper_rotation():
    rotation = euler_rotation(np.array([0.1, -0.2, 0.15]))
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-12)
    assert np.isclose(np.linalg.det(rotation), 1)


def test_rotation_with_a_fixed_rng():
    rng = np.random.default_rng(7)
    keypoint = rng.standard_normal((2, 6, 25, 3)).astype(np.float32)
    keypoint[1, 3:] = 0  # the second person leaves
    before = keypoint.copy()
    out = RandomSkeletonRotate(theta=0.2, seed=11)(dict(keypoint=keypoint))
    angles = np.random.default_rng(11).uniform(-0.2, 0.2, size=3)
    expected = (before.astype(np.float64) @ euler_rotation(angles).T)
    rotated = out['keypoint']
    assert rotated.shape == before.shape and rotated.dtype == np.float32
    np.testing.assert_allclose(rotated, expected, rtol=1e-5, atol=1e-6)
    # One rotation for every person and frame: lengths kept, zeros kept.
    np.testing.assert_allclose(
        np.linalg.norm(rotated, axis=-1),
        np.linalg.norm(before, axis=-1),
        rtol=1e-5)
    np.testing.assert_array_equal(rotated[1, 3:], 0)
    np.testing.assert_array_equal(keypoint, before)


def test_global_rng_draws_like_the_reference():
    keypoint = np.ones((1, 2, 3, 3), dtype=np.float32)
    np.random.seed(5)
    out = RandomSkeletonRotate(theta=0.2)(dict(keypoint=keypoint))
    # Reference: np.random.uniform(-theta, theta, size=3), x / y / z order.
    angles = np.random.RandomState(5).uniform(-0.2, 0.2, size=3)
    np.testing.assert_allclose(
        out['keypoint'], keypoint @ euler_rotation(angles).T, rtol=1e-6)


def test_angles_stay_within_theta():
    transform = RandomSkeletonRotate(theta=0.05, seed=0)
    point = np.array([[[[0., 1., 0.]]]], dtype=np.float32)
    for _ in range(50):
        out = transform(dict(keypoint=point.copy()))['keypoint'][0, 0, 0]
        # The image of (0, 1, 0) moves by less than the three angles allow.
        assert np.linalg.norm(out - point[0, 0, 0]) < 3 * 0.05 + 1e-6


def test_zero_sample_and_zero_theta():
    zeros = np.zeros((1, 4, 25, 3), dtype=np.float32)
    transform = RandomSkeletonRotate(seed=0)
    assert transform(dict(keypoint=zeros))['keypoint'] is zeros
    # The all-zero sample drew nothing: the next draw is the first one.
    keypoint = np.ones((1, 1, 1, 3), dtype=np.float32)
    angles = np.random.default_rng(0).uniform(-0.2, 0.2, size=3)
    np.testing.assert_allclose(
        transform(dict(keypoint=keypoint))['keypoint'],
        keypoint @ euler_rotation(angles).T,
        rtol=1e-6)
    out = RandomSkeletonRotate(theta=0.)(dict(keypoint=keypoint.copy()))
    np.testing.assert_array_equal(out['keypoint'], keypoint)


def test_rejects_2d_and_negative_theta():
    with pytest.raises(ValueError, match='3D'):
        RandomSkeletonRotate()(dict(keypoint=np.ones((1, 2, 17, 2))))
    with pytest.raises(ValueError, match='theta'):
        RandomSkeletonRotate(theta=-0.1)
    assert 'theta=0.2' in repr(RandomSkeletonRotate())
