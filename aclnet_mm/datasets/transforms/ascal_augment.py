# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL's input handling and skeleton augmentations.

Every transform works on MMAction2's ``keypoint`` array ``(M, T, V, C)``
(persons, frames, joints, coordinates) and, where it moves or drops data,
on ``keypoint_score`` ``(M, T, V)``. The defaults are the reference
implementation's (LZU-SIAT/AS-CAL ``feeders/tools.py``); the reference
works on ``(C, T, V, M)`` arrays, so its ``R @ p`` per point is written
here as ``keypoint @ R.T``. For 2D keypoints (``C = 2``) the 3D operations
use their x/y block, as documented on each class.

Randomness: each number is drawn as the reference draws it, from the same
source (Python's ``random`` or numpy's global RNG, see
:func:`~aclnet_mm.datasets.transforms._rng.get_reference_rngs`), with the
same call and in the same order, so with both sources seeded alike a
transform gives the reference function's output. ``seed=None`` uses the
global sources (seeded per dataloader worker by MMEngine), an integer a
private pair. All augmentations are for training pipelines;
:class:`SkeletonFirstFrames` and :class:`SkeletonCentre` are the
reference's preprocessing and belong in every pipeline.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..contract import TransformContract
from ._checks import check_score_shape
from ._rng import get_reference_rngs

__all__ = [
    'SkeletonFirstFrames', 'SkeletonCentre', 'SkeletonReverse',
    'SkeletonShear', 'SkeletonAxisRotate', 'SkeletonGaussianNoise',
    'SkeletonTemporalBlur', 'SkeletonJointMask', 'SkeletonAxisMask',
    'axis_rotation', 'shear_matrix'
]


def _apply_linear(keypoint: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``p -> matrix @ p`` for every point, in the keypoint's dtype."""
    return (keypoint @ matrix.T).astype(keypoint.dtype)


@TRANSFORMS.register_module()
class SkeletonFirstFrames(BaseTransform):
    """Keep the first ``clip_len`` frames, zero-padding shorter sequences.

    AS-CAL takes the first 150 frames of NTU sequences (no resampling, no
    random crop); shorter sequences keep a zero tail that the encoder reads
    as well.

    Required Keys:

        - keypoint
        - keypoint_score (optional)

    Modified Keys:

        - keypoint: ``(M, clip_len, V, C)``
        - keypoint_score (optional): ``(M, clip_len, V)``

    Added Keys:

        - clip_len
        - num_clips: 1

    Args:
        clip_len (int): Number of frames kept. Defaults to 150.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ),
        produces=('keypoint', 'total_frames'),
        clip_len_arg='clip_len')

    def __init__(self, clip_len: int = 150) -> None:
        if clip_len < 1:
            raise ValueError(f'clip_len must be positive, got {clip_len}')
        self.clip_len = clip_len

    def _fit(self, array: np.ndarray) -> np.ndarray:
        array = array[:, :self.clip_len]
        missing = self.clip_len - array.shape[1]
        if missing:
            pad = [(0, 0)] * array.ndim
            pad[1] = (0, missing)
            array = np.pad(array, pad)
        return array

    def transform(self, results: Dict) -> Dict:
        """Cut or pad the sequence.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        check_score_shape(results, 'SkeletonFirstFrames')
        results['keypoint'] = self._fit(results['keypoint'])
        if 'keypoint_score' in results:
            results['keypoint_score'] = self._fit(results['keypoint_score'])
        results['clip_len'] = self.clip_len
        results['num_clips'] = 1
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(clip_len={self.clip_len})'


@TRANSFORMS.register_module()
class SkeletonCentre(BaseTransform):
    """Subtract one joint from every joint, per person and frame.

    The reference's ``subtract`` with joint 1 (NTU's middle of the spine;
    OpenPose BODY-25's neck): its only normalisation. All-zero persons and
    padded frames stay zero.

    Required Keys:

        - keypoint

    Modified Keys:

        - keypoint

    Args:
        joint (int): Index of the centre joint (negative indices count from
            the end). Defaults to 1.

    Raises:
        ValueError: ``joint`` is outside the keypoints' joints.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', ))

    def __init__(self, joint: int = 1) -> None:
        self.joint = joint

    def transform(self, results: Dict) -> Dict:
        """Centre the joints.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        num_joints = keypoint.shape[-2]
        if not -num_joints <= self.joint < num_joints:
            raise ValueError(f'SkeletonCentre: joint {self.joint} outside '
                             f'the {num_joints} joints of keypoint')
        # An index, not a slice: a slice of joint -1 would be empty.
        centre = keypoint[..., self.joint, :][..., None, :]
        results['keypoint'] = keypoint - centre
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(joint={self.joint})'


@TRANSFORMS.register_module()
class SkeletonReverse(BaseTransform):
    """Play the sequence backwards with probability ``prob`` (Reverse).

    The reference's ``randomFlip``: the frame order is reversed, so the
    zero padding of a short sequence moves to the front.

    Required Keys:

        - keypoint
        - keypoint_score (optional)

    Modified Keys:

        - keypoint
        - keypoint_score (optional)

    Args:
        prob (float): Probability of reversing. Defaults to 0.5.
        seed (int, optional): Seed of a private generator. Defaults to None.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', 'keypoint_score'))

    def __init__(self, prob: float = 0.5, seed: Optional[int] = None) -> None:
        self.prob = prob
        self.seed = seed
        self.py_rng, self.np_rng = get_reference_rngs(seed)

    def transform(self, results: Dict) -> Dict:
        """Reverse the frames or leave them.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        check_score_shape(results, 'SkeletonReverse')
        # The reference: random.random() < p.
        if self.py_rng.random() < self.prob:
            for key in ('keypoint', 'keypoint_score'):
                if key in results:
                    results[key] = results[key][:, ::-1].copy()
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'


def shear_matrix(offsets: Sequence[float], num_dims: int = 3) -> np.ndarray:
    """AS-CAL's shear matrix from its off-diagonal entries.

    For 3D the six offsets ``(a0, a1, a2, b0, b1, b2)`` give
    ``[[1, a0, b0], [a1, 1, b1], [a2, b2, 1]]`` (the reference's ``s1`` and
    ``s2`` lists); for 2D the two offsets ``(a, c)`` give
    ``[[1, a], [c, 1]]``.

    Args:
        offsets (Sequence[float]): 6 (3D) or 2 (2D) values.
        num_dims (int): 3 or 2. Defaults to 3.

    Returns:
        np.ndarray: ``(num_dims, num_dims)`` float64 matrix.
    """
    offsets = np.asarray(offsets, dtype=np.float64)
    if num_dims == 3 and offsets.shape == (6, ):
        a, b = offsets[:3], offsets[3:]
        return np.array([[1., a[0], b[0]], [a[1], 1., b[1]], [a[2], b[2], 1.]])
    if num_dims == 2 and offsets.shape == (2, ):
        return np.array([[1., offsets[0]], [offsets[1], 1.]])
    raise ValueError(f'{offsets.shape} offsets do not fit a {num_dims}D '
                     'shear')


@TRANSFORMS.register_module()
class SkeletonShear(BaseTransform):
    """Random shear ``p -> S p`` of every point (Shear).

    The off-diagonal entries of ``S`` (:func:`shear_matrix`) are drawn
    i.i.d. from ``U(-magnitude, magnitude)`` on every call: six for 3D
    keypoints, two for 2D. The reference's magnitude is 1, twice
    SkeletonCLR's usual 0.5. Zero points stay zero.

    Required Keys:

        - keypoint: ``(..., 2 or 3)``

    Modified Keys:

        - keypoint

    Args:
        magnitude (float): Half-width of the uniform range. Defaults to 1.
        seed (int, optional): Seed of a private generator. Defaults to None.

    Raises:
        ValueError: ``keypoint`` has neither 2 nor 3 channels.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', ))

    def __init__(self,
                 magnitude: float = 1.,
                 seed: Optional[int] = None) -> None:
        self.magnitude = magnitude
        self.seed = seed
        self.py_rng, self.np_rng = get_reference_rngs(seed)

    def transform(self, results: Dict) -> Dict:
        """Shear the keypoints.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        num_dims = keypoint.shape[-1]
        if num_dims not in (2, 3):
            raise ValueError('SkeletonShear shears 2D or 3D keypoints; '
                             f'keypoint has {num_dims} channels')
        num_offsets = {2: 2, 3: 6}[num_dims]
        # The reference: six random.uniform(-1, 1), s1 then s2.
        offsets = [
            self.py_rng.uniform(-self.magnitude, self.magnitude)
            for _ in range(num_offsets)
        ]
        results['keypoint'] = _apply_linear(keypoint,
                                            shear_matrix(offsets, num_dims))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(magnitude={self.magnitude})'


def axis_rotation(axis: int, angle: float) -> np.ndarray:
    """AS-CAL's rotation about one coordinate axis, ``p -> R p``.

    ``R`` turns the coordinate frame by ``angle`` (radians): about x,
    ``(0, 1, 0)`` goes to ``(0, cos a, -sin a)``; about z, ``(1, 0, 0)``
    goes to ``(cos a, -sin a, 0)``.

    Args:
        axis (int): 0 (x), 1 (y) or 2 (z).
        angle (float): Angle in radians.

    Returns:
        np.ndarray: ``(3, 3)`` float64 matrix.
    """
    cos, sin = np.cos(angle), np.sin(angle)
    if axis == 0:
        return np.array([[1., 0., 0.], [0., cos, sin], [0., -sin, cos]])
    if axis == 1:
        return np.array([[cos, 0., -sin], [0., 1., 0.], [sin, 0., cos]])
    if axis == 2:
        return np.array([[cos, sin, 0.], [-sin, cos, 0.], [0., 0., 1.]])
    raise ValueError(f'axis must be 0, 1 or 2, got {axis}')


@TRANSFORMS.register_module()
class SkeletonAxisRotate(BaseTransform):
    """Rotate about one random axis by a random angle (Rotation).

    The axis is drawn uniformly from ``axes`` and the angle uniformly from
    ``angle_range`` degrees (the reference: any of x, y, z and
    ``U(0, 30)``, one-sided); :func:`axis_rotation` gives the matrix. 2D
    keypoints can only turn in the image plane, so they require
    ``axes=(2, )`` and use the matrix's x/y block.

    Required Keys:

        - keypoint: ``(..., 2 or 3)``

    Modified Keys:

        - keypoint

    Args:
        axes (Sequence[int]): Candidate axes. Defaults to ``(0, 1, 2)``.
        angle_range (Tuple[float, float]): Angle range in degrees.
            Defaults to ``(0, 30)``.
        seed (int, optional): Seed of a private generator. Defaults to None.

    Raises:
        ValueError: ``keypoint`` has neither 2 nor 3 channels, or 2 with
            ``axes`` other than ``(2, )``.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', ))

    def __init__(self,
                 axes: Sequence[int] = (0, 1, 2),
                 angle_range: Tuple[float, float] = (0., 30.),
                 seed: Optional[int] = None) -> None:
        if not axes or any(a not in (0, 1, 2) for a in axes):
            raise ValueError(f'axes must be a subset of (0, 1, 2), got '
                             f'{axes}')
        self.axes = tuple(axes)
        self.angle_range = tuple(angle_range)
        self.seed = seed
        self.py_rng, self.np_rng = get_reference_rngs(seed)

    def transform(self, results: Dict) -> Dict:
        """Rotate the keypoints.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        num_dims = keypoint.shape[-1]
        if num_dims not in (2, 3):
            raise ValueError('SkeletonAxisRotate rotates 2D or 3D keypoints; '
                             f'keypoint has {num_dims} channels')
        if num_dims == 2 and self.axes != (2, ):
            raise ValueError('2D keypoints rotate about z only: set '
                             'axes=(2, )')
        # The reference: random.randint(0, 2), then random.uniform(0, 30).
        axis = self.axes[self.py_rng.randint(0, len(self.axes) - 1)]
        angle = np.deg2rad(self.py_rng.uniform(*self.angle_range))
        matrix = axis_rotation(axis, angle)[:num_dims, :num_dims]
        results['keypoint'] = _apply_linear(keypoint, matrix)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(axes={self.axes}, '
                f'angle_range={self.angle_range})')


@TRANSFORMS.register_module()
class SkeletonGaussianNoise(BaseTransform):
    """Add ``N(mean, std^2)`` noise to every coordinate (Gaussian noise).

    As in the reference, every coordinate gets noise, zero padding
    included (persons that :class:`FormatGCNInput` pads later do not).

    Required Keys:

        - keypoint

    Modified Keys:

        - keypoint

    Args:
        std (float): Standard deviation. Defaults to 0.05.
        mean (float): Mean. Defaults to 0.
        seed (int, optional): Seed of a private generator. Defaults to None.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', ))

    def __init__(self,
                 std: float = 0.05,
                 mean: float = 0.,
                 seed: Optional[int] = None) -> None:
        self.std = std
        self.mean = mean
        self.seed = seed
        self.py_rng, self.np_rng = get_reference_rngs(seed)

    def transform(self, results: Dict) -> Dict:
        """Add the noise.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        # The reference draws np.random.normal in its (C, T, V, M) layout.
        num_person, num_frames, num_joints, num_dims = keypoint.shape
        noise = self.np_rng.normal(self.mean, self.std,
                                   (num_dims, num_frames, num_joints,
                                    num_person)).transpose(3, 1, 2, 0)
        results['keypoint'] = (keypoint + noise).astype(keypoint.dtype)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(std={self.std}, mean={self.mean})'


@TRANSFORMS.register_module()
class SkeletonTemporalBlur(BaseTransform):
    """Temporal Gaussian filter of every coordinate track (Gaussian blur).

    A sigma is drawn from ``U(*sigma_range)`` on every call (as the
    reference, before its coin); with probability ``prob`` each coordinate
    of each joint is then correlated along time with the weights
    ``w_i = exp(-i^2 / (2 sigma^2))``, ``|i| <= kernel_size // 2``, the
    sequence being zero-padded at both ends.

    Reference quirk kept by default (``normalize=False``): the weights are
    not divided by their sum, so the blurred sequence is also scaled by
    ``sum(w)`` (1 for sigma near 0.1, about 5 for sigma 2).
    ``normalize=True`` is a plain low-pass filter.

    Required Keys:

        - keypoint

    Modified Keys:

        - keypoint

    Args:
        kernel_size (int): Odd filter length. Defaults to 15.
        sigma_range (Tuple[float, float]): Range of sigma, in frames.
            Defaults to ``(0.1, 2.0)``.
        prob (float): Probability of blurring. Defaults to 0.5.
        normalize (bool): Divide the weights by their sum. Defaults to
            False.
        seed (int, optional): Seed of a private generator. Defaults to None.

    Raises:
        ValueError: ``kernel_size`` is not a positive odd number, or
            ``sigma_range`` is not ``0 < low <= high``.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', ))

    def __init__(self,
                 kernel_size: int = 15,
                 sigma_range: Tuple[float, float] = (0.1, 2.0),
                 prob: float = 0.5,
                 normalize: bool = False,
                 seed: Optional[int] = None) -> None:
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd, got {kernel_size}')
        # sigma = 0 would divide by zero in the taps (NaN weights).
        if len(sigma_range) != 2 or not 0 < sigma_range[0] <= sigma_range[1]:
            raise ValueError(f'sigma_range must be (low, high) with '
                             f'0 < low <= high, got {sigma_range}')
        self.kernel_size = kernel_size
        self.sigma_range = tuple(sigma_range)
        self.prob = prob
        self.normalize = normalize
        self.seed = seed
        self.py_rng, self.np_rng = get_reference_rngs(seed)

    def weights(self, sigma: float) -> np.ndarray:
        """The filter taps for one sigma.

        Args:
            sigma (float): Standard deviation in frames.

        Returns:
            np.ndarray: ``(kernel_size, )`` float64 weights.
        """
        radius = self.kernel_size // 2
        offsets = np.arange(-radius, radius + 1, dtype=np.float64)
        taps = np.exp(-offsets**2 / (2. * sigma**2))
        return taps / taps.sum() if self.normalize else taps

    def transform(self, results: Dict) -> Dict:
        """Blur the keypoints or leave them.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        # The reference draws sigma (random.uniform) on every call, then
        # its coin (np.random.random_sample).
        sigma = self.py_rng.uniform(*self.sigma_range)
        if self.np_rng.random_sample() >= self.prob:
            return results
        taps = self.weights(sigma)
        keypoint = results['keypoint']
        num_frames = keypoint.shape[1]
        radius = self.kernel_size // 2
        padded = np.pad(
            keypoint.astype(np.float64), [(0, 0), (radius, radius), (0, 0),
                                          (0, 0)])
        blurred = sum(taps[i] * padded[:, i:i + num_frames]
                      for i in range(self.kernel_size))
        results['keypoint'] = blurred.astype(keypoint.dtype)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(kernel_size={self.kernel_size}, '
                f'sigma_range={self.sigma_range}, prob={self.prob}, '
                f'normalize={self.normalize})')


@TRANSFORMS.register_module()
class SkeletonJointMask(BaseTransform):
    """Zero a random set of joints on a random set of frames (Joint mask).

    The number of joints is drawn uniformly from ``num_joints`` (inclusive)
    and that many distinct joints are picked; likewise for frames. With
    ``num_frames=None`` the reference's rule applies: 20 to 50 frames for
    sequences shorter than 100 frames, else 50 to 100. Counts are capped at
    the sequence's number of joints / frames (the reference would fail).
    The chosen joints lose all coordinates, for every person, and their
    ``keypoint_score`` is zeroed too.

    Required Keys:

        - keypoint
        - keypoint_score (optional)

    Modified Keys:

        - keypoint
        - keypoint_score (optional)

    Args:
        num_joints (Tuple[int, int]): Range of the number of joints.
            Defaults to ``(5, 15)``.
        num_frames (Tuple[int, int], optional): Range of the number of
            frames; None for the reference's rule. Defaults to None.
        seed (int, optional): Seed of a private generator. Defaults to None.

    Raises:
        ValueError: A range is not ``0 <= low <= high``.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', 'keypoint_score'))

    def __init__(self,
                 num_joints: Tuple[int, int] = (5, 15),
                 num_frames: Optional[Tuple[int, int]] = None,
                 seed: Optional[int] = None) -> None:
        for name, value in (('num_joints', num_joints), ('num_frames',
                                                         num_frames)):
            if value is not None and (len(value) != 2
                                      or not 0 <= value[0] <= value[1]):
                raise ValueError(f'{name} must be (low, high) with '
                                 f'0 <= low <= high, got {value}')
        self.num_joints = tuple(num_joints)
        self.num_frames = None if num_frames is None else tuple(num_frames)
        self.seed = seed
        self.py_rng, self.np_rng = get_reference_rngs(seed)

    def _pick(self, total: int, count_range: Tuple[int, int]) -> np.ndarray:
        # The reference: random.randint for the count, then a sorted
        # random.sample of that many indices.
        count = min(self.py_rng.randint(*count_range), total)
        return np.array(
            sorted(self.py_rng.sample(range(total), count)), dtype=np.int64)

    def transform(self, results: Dict) -> Dict:
        """Mask the joints.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        check_score_shape(results, 'SkeletonJointMask')
        keypoint = results['keypoint'].copy()
        _, num_frames, num_joints, _ = keypoint.shape
        joints = self._pick(num_joints, self.num_joints)
        frame_range = self.num_frames
        if frame_range is None:
            frame_range = (20, 50) if num_frames < 100 else (50, 100)
        frames = self._pick(num_frames, frame_range)
        cells = np.ix_(np.arange(keypoint.shape[0]), frames, joints)
        keypoint[cells] = 0
        results['keypoint'] = keypoint
        if 'keypoint_score' in results:
            score = results['keypoint_score'].copy()
            score[cells] = 0
            results['keypoint_score'] = score
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_joints={self.num_joints}, '
                f'num_frames={self.num_frames})')


@TRANSFORMS.register_module()
class SkeletonAxisMask(BaseTransform):
    """Zero one whole coordinate axis, drawn uniformly (Axis mask).

    Required Keys:

        - keypoint

    Modified Keys:

        - keypoint

    Args:
        seed (int, optional): Seed of a private generator. Defaults to None.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', ))

    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed
        self.py_rng, self.np_rng = get_reference_rngs(seed)

    def transform(self, results: Dict) -> Dict:
        """Mask one axis.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint'].copy()
        # The reference: random.randint(0, 2).
        keypoint[..., self.py_rng.randint(0, keypoint.shape[-1] - 1)] = 0
        results['keypoint'] = keypoint
        return results
