# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``tools/ensemble.py``: presets, seeds per stream, validation search."""
import mmengine
import numpy as np
import pytest
import torch
from tool_scripts import load_tool

ensemble = load_tool('ensemble.py')

LABELS = [0, 1, 0]
# See tests/evaluation/functional/test_fusion_search.py: on these scores
# the fusion gets every sample right iff 2.5 wb < wj < 3.5 wb.
VAL = dict(
    j=[[.6, .4], [.6, .4], [.9, .1]], b=[[.25, .75], [.15, .85], [.5, .5]])
# Test scores: with (3, 1) the fusion gets samples 0 and 1 (2/3); equal
# weights would get all three, so a search on the test split would not
# pick (3, 1).
TEST = dict(
    j=[[.6, .4], [.45, .55], [.2, .8]], b=[[.45, .55], [.3, .7], [.9, .1]])


def _dump(path, scores, labels=LABELS):
    mmengine.dump([
        dict(
            pred_score=torch.tensor(row, dtype=torch.float32),
            gt_label=torch.tensor([label]),
            num_classes=len(row)) for row, label in zip(scores, labels)
    ], str(path))
    return str(path)


def _top1(scores, weights):
    fused = sum(w * np.asarray(s) for w, s in zip(weights, scores))
    return float(np.mean(fused.argmax(axis=1) == LABELS))


def test_search_on_validation_applied_to_test(tmp_path, capsys):
    files = {}
    for split, table in (('val', VAL), ('test', TEST)):
        for name, scores in table.items():
            files[split, name] = _dump(tmp_path / f'{name}_{split}.pkl',
                                       scores)
    report = ensemble.main([
        '--search', 'grid', '--stream', 'j', files['test', 'j'], '--stream',
        'b', files['test', 'b'], '--val-stream', 'j', files['val', 'j'],
        '--val-stream', 'b', files['val', 'b']
    ])
    out = capsys.readouterr().out
    assert 'search on the validation dumps' in out
    assert ': 3 1' in out
    assert 'Validation: Top 1 Accuracy: 1.0000' in out
    assert report['top1'] == pytest.approx(_top1(TEST.values(), (3, 1)))
    assert report['top1'] == pytest.approx(2 / 3)
    assert _top1(TEST.values(), (1, 1)) == 1.  # what a test search finds
    assert files['val', 'j'] in out and files['test', 'b'] in out

    # --search without validation dumps is refused.
    with pytest.raises(SystemExit):
        ensemble.parse_args(['--search', 'grid', '--preds', 'a.pkl'])


def test_preset_weights_and_seed_averaging(tmp_path, capsys):
    rng = np.random.default_rng(0)
    labels = [0, 1, 2, 1, 0, 2]
    scores = {
        name: rng.random((6, 3))
        for name in ('j1', 'j2', 'b', 'jm', 'bm')
    }
    paths = {
        name: _dump(tmp_path / f'{name}.pkl', value, labels)
        for name, value in scores.items()
    }
    report = ensemble.main([
        '--preset', '4s', '--stream', 'bm', paths['bm'], '--stream', 'j',
        paths['j1'], paths['j2'], '--stream', 'b', paths['b'], '--stream',
        'jm', paths['jm']
    ])
    out = capsys.readouterr().out
    # Preset order and weights, whatever the order on the command line.
    lines = [line.split(':')[0] for line in out.splitlines()[:4]]
    assert lines == ['j', 'b', 'jm', 'bm']
    assert 'j: weight 2, 6 samples, 2 file(s)' in out
    joint = (scores['j1'] + scores['j2']) / 2
    fused = (2 * joint + 2 * scores['b'] + scores['jm'] + scores['bm'])
    expected = np.mean(fused.argmax(axis=1) == labels)
    assert report['top1'] == pytest.approx(expected)

    # --preds in preset order: same numbers as explicit weights.
    by_preset = ensemble.main(
        ['--preset', '2s', '--preds', paths['j1'], paths['b']])
    by_weights = ensemble.main(
        ['--preds', paths['j1'], paths['b'], '--weights', '1', '1'])
    assert by_preset == by_weights
    with pytest.raises(SystemExit):
        ensemble.parse_args(['--preset', '6s', '--preds', 'a.pkl'])
    with pytest.raises(SystemExit):
        ensemble.parse_args(['--preset', '2s', '--stream', 'j', 'a.pkl'])
