# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Annotation pickles and result dumps are read as plain data only.

A hostile ``.pkl`` (a ``__reduce__`` that calls ``os.makedirs(marker)``,
standing for any code) is refused on every route that reads one: the
dataset's ``ann_file``, a per-sample skeleton file, the validator and the
ensemble's result dumps; the marker is never created. Real files (an
annotation pickle as the converters write it, a dump as MMEngine's
``DumpResults`` writes it) load unchanged, and the opt-in loads a trusted
legacy file in full, with a warning.
"""
import io
import os
import pickle

import mmengine
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import DumpResults

from aclnet_mm.utils.checkpoint_loading import UNSAFE_LOAD_ENV
from aclnet_mm.utils.safe_pickle import UnsafePickleError, load_pickle


class _Payload:
    """Unpickling this calls ``os.makedirs(marker)``: stands for any code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.makedirs, (self.marker, )


def _annotations(num_classes=2, per_class=3, frames=8):
    """A PoseDataset annotation dict as the converters write it."""
    rng = np.random.default_rng(0)
    annotations = []
    for index in range(num_classes * per_class):
        annotations.append(
            dict(
                frame_dir=f'S001A{index:03d}',
                label=index % num_classes,
                total_frames=frames,
                keypoint=rng.standard_normal(
                    (1, frames, 25, 3)).astype(np.float32)))
    names = [a['frame_dir'] for a in annotations]
    return dict(
        split=dict(train=names[:4], test=names[4:]),
        annotations=annotations,
        classes=[f'class {i}' for i in range(num_classes)])


@pytest.fixture
def hostile(tmp_path):
    """An annotation pickle with a payload in one sample's field."""
    marker = tmp_path / 'code_ran'
    data = _annotations()
    data['annotations'][0]['keypoint_score'] = _Payload(marker)
    path = tmp_path / 'hostile.pkl'
    mmengine.dump(data, str(path))
    return str(path), marker


def _assert_refused(err, path, global_name='os.makedirs'):
    message = str(err)
    assert path in message and global_name in message, message
    assert UNSAFE_LOAD_ENV in message and '--unsafe-load' in message
    assert 'safe_globals' not in message and 'allowlist' not in message


def test_hostile_annotation_pickle_is_refused_without_running(
        hostile, monkeypatch):
    from aclnet_mm.datasets import SkeletonPoseDataset
    from aclnet_mm.datasets.validation import validate_pickle
    path, marker = hostile
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)

    with pytest.raises(UnsafePickleError) as info:
        load_pickle(path)
    _assert_refused(info.value, path)

    with pytest.raises(UnsafePickleError) as info:
        SkeletonPoseDataset(path, pipeline=[], split='train')
    _assert_refused(info.value, path)

    report = validate_pickle(path)
    assert not report.ok
    _assert_refused(report.format(), path)
    assert not marker.exists()


def test_hostile_per_sample_skeleton_file_is_refused(tmp_path, monkeypatch):
    from aclnet_mm.datasets import SkeletonPoseDataset
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)
    marker = tmp_path / 'code_ran'
    data = _annotations()
    skeletons = tmp_path / 'skeletons'
    skeletons.mkdir()
    for sample in data['annotations']:
        keypoint = sample.pop('keypoint')
        mmengine.dump(
            dict(keypoint=keypoint),
            str(skeletons / f"{sample['frame_dir']}.pkl"))
    name = data['annotations'][0]['frame_dir']
    mmengine.dump(
        dict(keypoint=_Payload(marker)), str(skeletons / f'{name}.pkl'))
    ann_file = tmp_path / 'ann.pkl'
    mmengine.dump(data, str(ann_file))
    dataset = SkeletonPoseDataset(
        str(ann_file),
        pipeline=[],
        split='train',
        validate=False,
        data_prefix=dict(skeleton=str(skeletons)))
    assert dataset.get_data_info(1)['keypoint'].shape == (1, 8, 25, 3)
    with pytest.raises(UnsafePickleError) as info:
        dataset.get_data_info(0)
    _assert_refused(info.value, str(skeletons / f'{name}.pkl'))
    assert not marker.exists()


def test_real_annotation_pickle_loads(tmp_path):
    from aclnet_mm.datasets import SkeletonPoseDataset
    data = _annotations()
    path = tmp_path / 'ann.pkl'
    mmengine.dump(data, str(path))  # protocol 2, as MMEngine writes
    loaded = load_pickle(str(path))
    for got, want in zip(loaded['annotations'], data['annotations']):
        np.testing.assert_array_equal(got['keypoint'], want['keypoint'])
        assert got['keypoint'].dtype == np.float32
    assert loaded['split'] == data['split']
    dataset = SkeletonPoseDataset(str(path), pipeline=[], split='train')
    assert len(dataset) == 4
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = load_pickle(io.BytesIO(pickle.dumps(data, protocol)))
        np.testing.assert_array_equal(again['annotations'][1]['keypoint'],
                                      data['annotations'][1]['keypoint'])


def _dump(path, hostile_marker=None):
    """Predictions of 4 samples dumped by MMEngine's DumpResults."""
    metric = DumpResults(out_file_path=str(path))
    samples = []
    for index in range(4):
        sample = ActionDataSample().set_gt_label(index % 2)
        sample.set_pred_score(torch.tensor([0.25 * index, 1 - 0.25 * index]))
        sample.set_metainfo(dict(frame_dir=f'S{index}'))
        samples.append(sample.to_dict())
    if hostile_marker is not None:
        samples[1]['frame_dir'] = _Payload(hostile_marker)
    metric.process({}, samples)
    metric.compute_metrics(metric.results)
    return str(path)


def test_real_dump_loads_and_hostile_dump_is_refused(tmp_path, monkeypatch):
    from aclnet_mm.evaluation.functional.fusion import load_stream_scores
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)
    stream = load_stream_scores(_dump(tmp_path / 'real.pkl'))
    np.testing.assert_allclose(stream.scores[:, 0], [0, .25, .5, .75])
    np.testing.assert_array_equal(stream.labels, [0, 1, 0, 1])

    marker = tmp_path / 'code_ran'
    path = _dump(tmp_path / 'hostile.pkl', marker)
    with pytest.raises(UnsafePickleError) as info:
        load_stream_scores(path)
    _assert_refused(info.value, path)
    assert not marker.exists()


def test_payload_inside_a_tensor_blob_is_refused(tmp_path, monkeypatch):
    """A pickled tensor carries its data as a legacy ``torch.save`` blob
    that torch itself unpickles in full; here torch's safe loader reads
    it."""
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)
    marker = tmp_path / 'code_ran'
    blob = io.BytesIO()
    torch.save(_Payload(marker), blob, _use_new_zipfile_serialization=False)

    class _Storage:

        def __reduce__(self):
            return torch.storage._load_from_bytes, (blob.getvalue(), )

    path = tmp_path / 'dump.pkl'
    path.write_bytes(
        pickle.dumps([dict(pred_score=_Storage(), gt_label=torch.ones(1))]))
    with pytest.raises(UnsafePickleError) as info:
        load_pickle(str(path), allow_tensors=True)
    _assert_refused(info.value, str(path))
    assert not marker.exists()
    # Without tensors allowed, the tensor functions themselves are refused.
    with pytest.raises(UnsafePickleError, match='torch.storage'):
        load_pickle(str(path))


def test_opt_in_loads_a_trusted_legacy_file_in_full(hostile, monkeypatch):
    path, marker = hostile
    with pytest.warns(UserWarning, match='full'):
        data = load_pickle(path, allow_unsafe=True)
    assert marker.is_dir() and len(data['annotations']) == 6
    os.rmdir(marker)
    monkeypatch.setenv(UNSAFE_LOAD_ENV, '1')
    with pytest.warns(UserWarning, match=UNSAFE_LOAD_ENV):
        load_pickle(path)
    assert marker.is_dir()


def test_bytes_codec_is_limited_to_latin1(tmp_path):
    """Protocol 2 stores bytes as ``_codecs.encode(text, 'latin1')``; no
    other codec is reachable from a file."""

    class _Encode:

        def __reduce__(self):
            import _codecs
            return _codecs.encode, ('abc', 'rot13')

    with pytest.raises(pickle.UnpicklingError, match='latin1'):
        load_pickle(io.BytesIO(pickle.dumps(_Encode(), 2)), name='x.pkl')
    assert load_pickle(io.BytesIO(pickle.dumps(b'\x00\xff', 2))) == b'\x00\xff'


def test_data_info_keeps_mmaction_fields(tmp_path):
    """The dataset's own per-sample read keeps what MMAction2's
    BaseActionDataset adds (the pipeline's SampleFrames needs
    start_index)."""
    from aclnet_mm.datasets import SkeletonPoseDataset
    path = tmp_path / 'ann.pkl'
    mmengine.dump(_annotations(), str(path))
    info = SkeletonPoseDataset(
        str(path), pipeline=[], split='train').get_data_info(0)
    assert info['start_index'] == 0 and info['modality'] == 'Pose'
