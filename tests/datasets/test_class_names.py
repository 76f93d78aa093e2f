# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The one class-name lookup: a list, a text file, or the pickle's own."""
import mmengine
import pytest

from aclnet_mm.datasets import load_class_names


def test_list_and_file(tmp_path):
    assert load_class_names(('a', 2)) == ['a', '2']
    names = tmp_path / 'names.txt'
    names.write_text('walk\n\n run \n')
    assert load_class_names(str(names)) == ['walk', 'run']
    # A relative name is also looked up beside the annotation file and in
    # the folders given.
    assert load_class_names('names.txt',
                            str(tmp_path / 'data.pkl')) == ['walk', 'run']
    assert load_class_names(
        'names.txt', search_dirs=[str(tmp_path)]) == ['walk', 'run']
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        load_class_names('missing.txt', search_dirs=[str(tmp_path)])


def test_from_annotations(tmp_path):
    data = dict(annotations=[], classes=('sit', 'stand'))
    assert load_class_names(annotations=data) == ['sit', 'stand']
    ann_file = str(tmp_path / 'data.pkl')
    mmengine.dump(data, ann_file)
    assert load_class_names(annotations=ann_file) == ['sit', 'stand']
    # Given names win over the pickle's.
    assert load_class_names(['x', 'y'], data) == ['x', 'y']
    assert load_class_names(annotations=dict(annotations=[])) is None
    assert load_class_names(annotations=str(tmp_path / 'none.pkl')) is None
    assert load_class_names() is None
