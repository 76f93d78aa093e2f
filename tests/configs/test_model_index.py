# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Model-zoo metadata: model-index.yml, metafiles, and mim resolution."""
import os.path as osp

import pytest
from mmengine import load

import aclnet_mm

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PACKAGE = osp.dirname(aclnet_mm.__file__)
MODEL_FIELDS = ('Name', 'Config', 'In Collection', 'Metadata')
COLLECTION_FIELDS = ('Name', 'README', 'Paper')


def _metafiles():
    return load(osp.join(ROOT, 'model-index.yml'))['Import']


def test_package_index_matches_top_level():
    top = load(osp.join(ROOT, 'model-index.yml'))
    mim = load(osp.join(PACKAGE, '.mim', 'model-index.yml'))
    assert top == mim
    for path in mim['Import']:
        # MMEngine resolves the Import list relative to .mim/.
        assert osp.isfile(osp.join(PACKAGE, '.mim', path)), path


@pytest.mark.parametrize('metafile', _metafiles())
def test_metafile_fields_and_paths(metafile):
    meta = load(osp.join(ROOT, metafile))
    collections = {c['Name']: c for c in meta['Collections']}
    for c in collections.values():
        missing = [f for f in COLLECTION_FIELDS if f not in c]
        assert not missing, f'{metafile}: {c["Name"]} lacks {missing}'
        assert osp.isfile(osp.join(ROOT, c['README'])), c['README']
        assert c['Paper']['URL'].startswith('https://')
    names = [m['Name'] for m in meta['Models']]
    assert len(names) == len(set(names)), 'duplicate model names'
    for model in meta['Models']:
        missing = [f for f in MODEL_FIELDS if f not in model]
        assert not missing, f'{model.get("Name")} lacks {missing}'
        assert model['In Collection'] in collections
        assert osp.isfile(osp.join(ROOT, model['Config'])), model['Config']
        assert osp.splitext(osp.basename(model['Config']))[0] == \
            model['Name']
        for result in model.get('Results', ()):
            assert {'Dataset', 'Task', 'Metrics'} <= set(result)
            top1 = result['Metrics']['Top 1 Accuracy']
            assert 0 < top1 <= 100
            # Every number says where it was measured or cited from.
            assert 'Notes' in result
