# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Per-class slices: AS-CAL's first-samples subsets and carved splits."""
import pytest

from aclnet_mm.datasets import (ClassFractionPoseDataset,
                                class_fraction_indices,
                                labelled_subset_indices)
from aclnet_mm.datasets.synthetic import dump_synthetic_skeleton_dataset


def test_indices_first_of_each_class():
    labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
    assert class_fraction_indices(labels, (0., 0.4)) == [0, 1, 2, 3]
    assert class_fraction_indices(labels, (0.4, 1.)) == [4, 5, 6, 7, 8, 9]
    # 1 % of 5 is 0: min_per_class keeps one.
    assert class_fraction_indices(labels, (0., 0.01)) == [0, 1]
    assert class_fraction_indices(labels, (0., 0.01), 0) == []
    with pytest.raises(ValueError):
        class_fraction_indices(labels, (0.5, 0.2))


def test_dataset_slices_and_tags(tmp_path):
    ann_file = dump_synthetic_skeleton_dataset(
        str(tmp_path / 'syn.pkl'),
        num_classes=3,
        samples_per_class=8,
        num_frames=4,
        seed=0)
    kwargs = dict(ann_file=ann_file, pipeline=[], split='train')
    full = ClassFractionPoseDataset(**kwargs)
    head = ClassFractionPoseDataset(class_range=(0., 0.5), **kwargs)
    tail = ClassFractionPoseDataset(
        class_range=(0.5, 1.), extra_info=dict(knn_bank=True), **kwargs)

    def ids(dataset):
        return [
            dataset.get_data_info(i)['frame_dir'] for i in range(len(dataset))
        ]

    assert sorted(ids(head) + ids(tail)) == sorted(ids(full))
    assert not set(ids(head)) & set(ids(tail))
    assert all(tail.get_data_info(i)['knn_bank'] for i in range(len(tail)))


def test_dataset_label_rate_is_the_reference_subset(tmp_path):
    ann_file = dump_synthetic_skeleton_dataset(
        str(tmp_path / 'syn.pkl'),
        num_classes=3,
        samples_per_class=8,
        num_frames=4,
        seed=0)
    kwargs = dict(ann_file=ann_file, pipeline=[], split='train')
    full = ClassFractionPoseDataset(**kwargs)
    labels = [int(full.get_data_info(i)['label']) for i in range(len(full))]
    expected = [
        full.get_data_info(i)['frame_dir']
        for i in labelled_subset_indices(labels, 0.5, 3)
    ]
    subset = ClassFractionPoseDataset(
        label_rate=0.5, num_classes=3, extra_info=dict(tag=1), **kwargs)
    got = [subset.get_data_info(i)['frame_dir'] for i in range(len(subset))]
    assert got == expected and len(got) == 3 * int(0.5 * len(labels) / 3)
    assert subset.get_data_info(0)['tag'] == 1
    with pytest.raises(ValueError, match='label_rate'):
        ClassFractionPoseDataset(
            label_rate=0.5, class_range=(0., 0.5), **kwargs)
