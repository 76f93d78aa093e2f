# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``tools/ablation.py``: a real 2 variants x 2 seeds x 1 epoch run on the
embedded data, and the table's arithmetic against hand cases."""
import csv
import json
import os.path as osp
import re

import mmengine
import numpy as np
import pytest
from tool_scripts import load_tool

_ablation = load_tool('ablation.py')
EMBEDDED_VARIANTS, class_names_of = (_ablation.EMBEDDED_VARIANTS,
                                     _ablation.class_names_of)
format_table, main, run_one = (_ablation.format_table, _ablation.main,
                               _ablation.run_one)
run_settings, summarise = _ablation.run_settings, _ablation.summarise

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_shipped_variants_exist():
    names = [name for name, _ in EMBEDDED_VARIANTS]
    assert names == [
        'ce', 'ce+inter', 'ce+intra', 'aclnet-faithful', 'aclnet-clean',
        'aclnet-lintemp', 'protogcn'
    ]
    for _, config in EMBEDDED_VARIANTS:
        assert osp.exists(osp.join(REPO, config)), config


def _result(top1, class_accuracy, members=None):
    return dict(
        top1=top1,
        top5=1.0,
        mean_class=top1,
        num_samples=80,
        config='c.py',
        class_accuracy=class_accuracy,
        superclass_members=members)


def test_summary_and_table_hand_case():
    # 2 seeds, 3 classes. Baseline 0.80 / 0.90, variant 0.85 / 0.85.
    results = {
        'base': {
            0: _result(0.80, [1.0, 0.5, 1.0]),
            1: _result(0.90, [1.0, 0.75, 1.0])
        },
        'var': {
            0: _result(0.85, [1.0, 1.0, 0.5], members=[1]),
            1: _result(0.85, [1.0, 0.75, 1.0], members=[1, 2])
        }
    }
    summary = summarise(results, ['base', 'var'], 'base', [0, 1])
    base, var = summary['variants']['base'], summary['variants']['var']
    assert base['mean'] == pytest.approx(85.)
    assert base['std'] == pytest.approx(np.sqrt(50.))
    # Exact bootstrap of (80, 90): means 80, 85, 85, 90.
    assert base['ci_low'] == pytest.approx(80.375)
    assert base['ci_high'] == pytest.approx(89.625)
    assert var['std'] == pytest.approx(0.)
    assert (var['ci_low'], var['ci_high']) == pytest.approx((85., 85.))
    paired = var['paired']
    # Differences +5 and -5.
    assert paired['mean_diff'] == pytest.approx(0.)
    assert (paired['wins'], paired['losses']) == (1, 1)
    assert (paired['ci_low'], paired['ci_high']) == pytest.approx(
        (-5 + 0.075 * 5, 0 + 0.925 * 5))
    assert paired['p_sign_flip'] == pytest.approx(1.0)
    assert summary['one_sample_points'] == pytest.approx(1.25)
    # Class 1 is a member in both seeds (+0.5 in seed 0, 0 in seed 1),
    # class 2 in one (-0.5, 0); class 0 is the only other class.
    changes = var['class_changes']
    assert [(r['index'], r['seeds_in_superclass'])
            for r in changes['classes']] == [(1, 2), (2, 1)]
    assert changes['classes'][0]['change'] == pytest.approx(0.25)
    assert changes['classes'][1]['change'] == pytest.approx(-0.25)
    assert changes['mean_change_members'] == pytest.approx(0.)
    assert changes['mean_change_others'] == pytest.approx(0.)

    table = format_table(summary, class_names=['a', 'b', 'c'])
    assert '| base | 85.00 | 7.07 | [80.38, 89.62] | 80.00 / 90.00 |' in table
    # t = 0 (mean difference 0), so the paired t-test gives p = 1.
    low, high = -5 + 0.075 * 5, 0.925 * 5
    row = f'| var | +0.00 | [{low:.2f}, {high:.2f}] | 1.000 | 1.000 | 1 / 1 |'
    assert row in table
    assert '| b | 2 | 62.5 | 87.5 | +25.0 |' in table
    assert '| c | 1 | 100.0 | 75.0 | -25.0 |' in table


@pytest.fixture(scope='module')
def embedded(tmp_path_factory):
    kit = load_tool('data/embedded/prepare_pose_classification_kit.py')
    convert_pose_classification_kit = kit.convert_pose_classification_kit
    find_pose_classification_kit = kit.find_pose_classification_kit
    try:
        find_pose_classification_kit()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    folder = tmp_path_factory.mktemp('embedded')
    ann_file = str(folder / 'body25_2d.pkl')
    convert_pose_classification_kit(out_file=ann_file, verbose=False)
    return ann_file


def test_ablation_smoke_two_variants_two_seeds(embedded, tmp_path, capsys):
    work_dir = str(tmp_path / 'ablation')
    variants = [
        f'{name}={osp.join(REPO, config)}'
        for name, config in EMBEDDED_VARIANTS[:2]
    ]
    # 1 epoch on 32 training clips, tested on 20 test clips.
    options = [
        f'{loader}.dataset.ann_file={embedded}'
        for loader in ('train_dataloader', 'test_dataloader')
    ] + [
        'train_dataloader.dataset.indices=32',
        'test_dataloader.dataset.indices=20'
    ]
    argv = [
        '--variants', *variants, '--seeds', '0', '1', '--epochs', '1',
        '--superclass-start', '1', '--jobs', '2', '--work-dir', work_dir,
        '--cfg-options', *options
    ]
    summary = main(argv)
    out = capsys.readouterr().out
    assert '[4/4]' in out

    with open(osp.join(work_dir, 'runs.csv')) as file:
        rows = list(csv.DictReader(file))
    assert [(r['variant'], r['seed']) for r in rows] == [('ce', '0'),
                                                         ('ce', '1'),
                                                         ('ce+inter', '0'),
                                                         ('ce+inter', '1')]
    for row in rows:
        run_dir = osp.join(work_dir, row['variant'], f'seed_{row["seed"]}')
        with open(osp.join(run_dir, 'result.json')) as file:
            result = json.load(file)
        assert result['num_samples'] == 20
        assert float(row['top1']) == pytest.approx(result['top1'], abs=1e-6)
        # The last checkpoint of the 1-epoch training was tested.
        assert result['checkpoint'].endswith('epoch_1.pth')
        with open(osp.join(run_dir, 'train.log')) as file:
            log = file.read()
        assert f'randomness = dict(deterministic=True, seed={row["seed"]})' \
            in log
        if row['variant'] == 'ce+inter':
            # --superclass-start reached the hook (the config says 6).
            # (class-typed configs dump the type's import path)
            assert re.search(
                r"start_epoch=1,\s*type='[\w.]*SuperclassRefreshHook'", log)
        with open(osp.join(run_dir, 'settings.json')) as file:
            settings = json.load(file)
        assert (settings['epochs'], settings['superclass_start']) == (1, 1)
        assert settings['cfg_options'] == options

    # Interval arithmetic, re-stated by hand for two seeds.
    for name in ('ce', 'ce+inter'):
        entry = summary['variants'][name]
        values = sorted(100 * float(r['top1']) for r in rows
                        if r['variant'] == name)
        low, high = values
        mid = (low + high) / 2
        assert entry['mean'] == pytest.approx(mid)
        assert entry['ci_low'] == pytest.approx(low + 0.075 * (mid - low))
        assert entry['ci_high'] == pytest.approx(mid + 0.925 * (high - mid))
    diffs = [
        100 * (float(rows[2 + i]['top1']) - float(rows[i]['top1']))
        for i in range(2)
    ]
    paired = summary['variants']['ce+inter']['paired']
    assert paired['mean_diff'] == pytest.approx(np.mean(diffs))
    table = open(osp.join(work_dir, 'table.md')).read()
    assert '| ce |' in table and '| ce+inter |' in table
    assert osp.getsize(osp.join(work_dir, 'seeds.png')) > 0

    # Resumable: a second call trains nothing and gives the same summary.
    again = main(argv)
    assert '4 already done' in capsys.readouterr().out
    assert again == summary

    # Other settings in the same work dir: refused before anything trains,
    # naming the run and what differs.
    longer = list(argv)
    longer[longer.index('--epochs') + 1] = '2'
    with pytest.raises(
            SystemExit,
            match=r'seed_0 holds a run made with '
            r'other settings \(epochs: 1 there, 2 now\)'):
        main(longer)
    assert not osp.exists(osp.join(work_dir, 'ce', 'seed_0', 'epoch_2.pth'))


def test_run_settings_follow_the_resolved_config(tmp_path):
    base = tmp_path / 'base.py'
    base.write_text('model = dict(width=16)\n')
    child = tmp_path / 'child.py'
    child.write_text("_base_ = './base.py'\nseed = 1\n")
    first = run_settings(str(child), epochs=10)
    assert first == run_settings(str(child), epochs=10)
    assert first != run_settings(str(child), epochs=30)
    # Kernels and threads change the figures too.
    assert first['isa'] == 'avx2' and first['threads'] == 1
    assert first != run_settings(str(child), epochs=10, isa='default')
    assert first != run_settings(str(child), epochs=10, threads=2)
    # An edit of a _base_ file changes the hash of the config using it.
    base.write_text('model = dict(width=32)\n')
    assert (run_settings(str(child), epochs=10)['config_sha256']
            != first['config_sha256'])


def test_a_run_directory_of_unknown_settings_is_refused(tmp_path):
    config = tmp_path / 'c.py'
    config.write_text('x = 1\n')
    run_dir = tmp_path / 'work' / 'v' / 'seed_0'
    run_dir.mkdir(parents=True)
    (run_dir / 'result.json').write_text('{}')
    with pytest.raises(
            SystemExit, match=r'seed_0 holds files but no '
            r'settings.json'):
        run_one('v', str(config), 0, str(tmp_path / 'work'))


def test_class_names_as_the_dataset_finds_them(tmp_path):
    ann_file = tmp_path / 'data.pkl'
    mmengine.dump(
        dict(split={}, annotations=[], classes=['a', 'b']), str(ann_file))
    config = tmp_path / 'c.py'
    config.write_text(
        "test_dataloader = dict(dataset=dict(type='RepeatDataset', "
        "dataset=dict(ann_file='elsewhere.pkl')))\n")
    option = f'test_dataloader.dataset.dataset.ann_file={ann_file}'
    # The annotation file's classes (the file given by an override) ...
    assert class_names_of(str(config), [option]) == ['a', 'b']
    assert class_names_of(str(config)) is None  # no such file
    # ... unless the dataset names them itself, in a file next to it.
    (tmp_path / 'names.txt').write_text('x\ny\n')
    names = 'test_dataloader.dataset.dataset.class_names=names.txt'
    assert class_names_of(str(config), [option, names]) == ['x', 'y']


def test_embedded_class_names(embedded):
    config = osp.join(REPO, EMBEDDED_VARIANTS[0][1])
    option = f'test_dataloader.dataset.ann_file={embedded}'
    names = class_names_of(config, [option])
    assert len(names) == 20 and 'Yoga_Tree_left' in names
